"""The list's rows, rendered by Jinja2 (ui.rows), are the HTML Django's templates give, byte for byte."""

import re
from pathlib import Path

from django.template import Context, Engine

from taskmanager.ui import rows as rows_module
from taskmanager.ui.directory import Project
from taskmanager.ui.records import Task
from taskmanager.ui.rows import task_rows_html
from taskmanager.ui.views.lists import Row
from tests.ui.conftest import task_json, team_json

TEMPLATE = Path(rows_module.__file__).parent / "jinja2" / "ui" / "task_rows.html"
# Values that Django and markupsafe escape differently, or that markup would break.
AWKWARD = 'Tom\'s "big" <script>alert(1)</script> & co'


def _django_rows(rows, any_editable) -> str:
    """The same row body, rendered per row by Django's engine (its syntax is common to both)."""
    source = TEMPLATE.read_text()
    body = re.search(r"\{% for row in rows %\}.*?-%\}\n(.*)\{% endfor %\}\Z", source, re.S).group(1)
    template = Engine(builtins=["django.template.defaultfilters"]).from_string(body)
    page = {"any_editable": any_editable}
    return "".join(
        template.render(Context({**page, "row": row, "task": row.task, "links": row.links})) for row in rows
    )


def _row(editable: bool, project=None, **task) -> Row:
    links = {
        "toggle": "/tasks/1/toggle/",
        "edit": "/tasks/1/edit/?next=/%3Fq%3Da%26b",
        "delete": "/tasks/1/delete/?next=/",
        "tags": [(tag, f"/?tag={tag}&amp") for tag in task.get("tags", [])],
    }
    if project:
        links["project"] = f"/projects/{project.id}/"
    return Row(task=Task.from_api(task_json(**task)), links=links, editable=editable, project=project)


def test_rows_of_every_kind_render_as_the_django_template_renders_them():
    team = Project.from_api(team_json(name=AWKWARD))
    rows = [
        _row(True, title=AWKWARD, description=AWKWARD, tags=["o'clock", "a&b"], priority="high"),
        _row(False, team, title="read only", completed=True, assignee="bob's", due_date="2020-01-01"),
        _row(True, title="timed", due_at="2030-01-02T10:30:00+00:00", recurrence_text="Every day"),
        _row(True, title="with subtasks", subtask_count=3, subtask_done_count=1),
    ]
    for any_editable in (True, False):
        jinja = str(task_rows_html(rows, any_editable=any_editable))
        assert jinja == _django_rows(rows, any_editable)
    assert "Tom&#x27;s &quot;big&quot; &lt;script&gt;" in jinja  # Django's escapes, not markupsafe's


def test_no_rows_render_nothing():
    assert task_rows_html([], any_editable=False) == ""
