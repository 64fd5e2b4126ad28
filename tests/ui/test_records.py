from taskmanager.ui.records import Page, Task
from tests.ui.conftest import TEAM_ID, task_json


def test_overdue_is_the_apis_word_not_recomputed():
    # The API counts against its own "today" (UTC); the UI shows what it says.
    assert Task.from_api(task_json(due_date="2999-01-01", overdue=True)).overdue
    assert not Task.from_api(task_json(due_date="2000-01-01", overdue=False)).overdue
    assert not Task.from_api({k: v for k, v in task_json().items() if k != "overdue"}).overdue


def test_a_task_knows_its_project_assignee_and_creator():
    task = Task.from_api(task_json(project=TEAM_ID, assignee="bob", created_by="carol"))
    assert (task.project_id, task.assignee, task.created_by) == (TEAM_ID, "bob", "carol")
    unassigned = Task.from_api(task_json(assignee=None, created_by=None))
    assert (unassigned.assignee, unassigned.created_by) == (None, None)


def test_page_numbers_and_ranges():
    page = Page(count=45, offset=20, limit=20, shown=20)
    assert (page.number, page.num_pages, page.first, page.last) == (2, 3, 21, 40)
    assert page.has_previous and page.has_next
    last = Page(count=45, offset=40, limit=20, shown=5)
    assert (last.first, last.last, last.has_next) == (41, 45, False)
    empty = Page(count=0, offset=0, limit=20, shown=0)
    assert (empty.first, empty.last, empty.num_pages, empty.has_next) == (0, 0, 1, False)


def test_description_preview_cuts_long_text_with_an_ellipsis():
    short = Task.from_api(task_json(description="x" * 160))
    long = Task.from_api(task_json(description="word " * 100))

    assert short.description_preview == "x" * 160
    assert len(long.description_preview) <= 160
    assert long.description_preview.endswith("\N{HORIZONTAL ELLIPSIS}")
    assert long.description_preview.startswith("word word")


def test_due_label_reads_as_day_month_year():
    assert Task.from_api(task_json(due_date="2026-12-03")).due_label == "3 Dec 2026"
    assert Task.from_api(task_json(due_date="2027-01-31")).due_label == "31 Jan 2027"
    assert Task.from_api(task_json(due_date=None)).due_label == ""
