"""The task list, in three scopes: all tasks, the tasks assigned to me, and one project's.

One view and one template serve them all; a ``Scope`` says which tasks the
API is asked for (``project=<id>``, ``assignee=me``), where the list's links
point and what the user may do there (their role comes from GET /projects/).
"""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from taskmanager.ui.directory import Directory, Project, directory_for
from taskmanager.ui.fragments import render_fragment
from taskmanager.ui.list_query import STATUSES, ListChoices, TaskListQuery
from taskmanager.ui.meta import facts_for
from taskmanager.ui.records import Page, Task
from taskmanager.ui.rows import task_rows_html
from taskmanager.ui.session import USERNAME_KEY, api_for, login_required, user_zone
from taskmanager.ui.views.common import project_url, render_page


@dataclass(frozen=True)
class Scope:
    kind: str  # "all", "assigned" or "project"
    title: str
    url: str
    filters: dict = field(default_factory=dict)
    project: Project | None = None

    @property
    def cross_project(self) -> bool:
        """Lists that mix projects name each task's project."""
        return self.project is None

    def can_add(self, directory: Directory) -> bool:
        return self.project.can_edit_tasks if self.project else bool(directory.editable)

    def completed_to_clear(self, directory: Directory) -> int:
        """How many completed tasks "Clear completed" would delete here (0: offer no such control)."""
        if self.kind == "assigned":
            # The API clears by project, not by assignee: offered on the other lists only.
            return 0
        if self.project:
            return self.project.completed_task_count if self.project.can_edit_tasks else 0
        return directory.completed_editable_count


@dataclass(frozen=True)
class Row:
    task: Task
    links: dict
    editable: bool
    project: Project | None  # named on cross-project lists, when the user has more than the Inbox


@login_required
@require_GET
def task_list(request):
    return _list_page(request, Scope("all", "All tasks", reverse("ui:task-list")))


@login_required
@require_GET
def assigned_list(request):
    scope = Scope("assigned", "Assigned to me", reverse("ui:assigned"), filters={"assignee": "me"})
    return _list_page(request, scope)


@login_required
@require_GET
def project_page(request, project_id):
    project = directory_for(request).get(project_id)
    if project is None:
        raise Http404("No such project among the user's.")
    scope = Scope("project", project.name, project_url(project.id), {"project": project.id}, project)
    return _list_page(request, scope)


def _list_page(request, scope: Scope):
    choices = ListChoices.from_facts(facts_for(request))
    query = TaskListQuery.from_query(request.GET, choices)
    if not query.is_canonical(request.GET):
        # Filter forms submit every field, empty or not; a short, clean URL is what gets bookmarked.
        return redirect(scope.url + query.url_query())
    directory = directory_for(request)
    api = api_for(request)
    # The sidebar's counts come with the page (the API's facets), over the scope alone.
    facets = {"facets": "stats,tags", **({"facets_over": ",".join(scope.filters)} if scope.filters else {})}
    listing = api.task_list({**scope.filters, **query.api_params(), **facets})
    results = listing["results"]
    page = Page(count=listing["count"], offset=query.offset, limit=query.per_page, shown=len(results))
    if not results and page.count and query.page > 1:
        # Past the end (e.g. after deleting the last tasks of the last page): show the last page.
        return redirect(scope.url + query.url_query(page=page.num_pages))
    tasks = [Task.from_api(item, user_zone(request)) for item in results]
    rows = _rows(tasks, request, scope, directory)
    here = request.get_full_path()
    context = {
        "scope": scope,
        "project": scope.project,
        "tasks": tasks,
        "task_rows": rows,
        "task_rows_html": task_rows_html(rows, any_editable=any(row.editable for row in rows)),
        "any_editable": any(row.editable for row in rows),
        "can_add": scope.can_add(directory),
        "completed_to_clear": scope.completed_to_clear(directory),
        "clear_url": _clear_url(scope, here),
        "new_task_url": _new_task_url(scope, here),
        "add_assignee": request.session.get(USERNAME_KEY, "") if scope.kind == "assigned" else "",
        "default_project": directory.inbox,
        "page": page,
        "stats": listing["facets"]["stats"],
        "query": query,
        "list_filters_html": render_fragment(
            "ui/list_filters.html",
            request=request,
            scope=scope,
            query=query,
            tags=listing["facets"]["tags"],
            statuses=STATUSES,
            priority_filters=choices.priority_filters,
            sorts=choices.sorts,
            page_sizes=choices.page_sizes,
            search_max_length=choices.search_max_length,
        ),
        "priorities": choices.priorities,
        "facts": facts_for(request),
        "here": here,
    }
    return render_page(request, "ui/task_list.html", context)


def _clear_url(scope: Scope, here: str) -> str:
    url = f"{reverse('ui:task-clear-completed')}?next={quote(here)}"
    return f"{url}&project={scope.project.id}" if scope.project else url


def _new_task_url(scope: Scope, here: str) -> str:
    url = f"{reverse('ui:task-create')}?next={quote(here)}"
    return f"{url}&project={scope.project.id}" if scope.project else url


# A page of 50 tasks needs some 270 links; building each with {% url %} or
# {% querystring %} was about half of the list's render time, so each route is
# reversed once per page and each tag's filter link built once.
_ID_SLOT = "00000000-0000-0000-0000-000000000000"


def _rows(tasks: list[Task], request, scope: Scope, directory: Directory) -> list[Row]:
    back = f"?next={quote(request.get_full_path())}"  # what the template's |urlencode gave
    toggle, edit, delete = (
        reverse(f"ui:task-{name}", args=[_ID_SLOT]) for name in ("toggle", "edit", "delete")
    )
    tag_links = {}
    for tag in {tag for task in tasks for tag in task.tags}:
        # As {% querystring tag=tag page=None %}: the current filters, this tag, page 1.
        params = request.GET.copy()
        params["tag"] = tag
        params.pop("page", None)
        tag_links[tag] = f"{scope.url}?{params.urlencode()}"
    rows = []
    for task in tasks:
        project = directory.get(task.project_id)
        links = {
            "toggle": toggle.replace(_ID_SLOT, task.id),
            "edit": edit.replace(_ID_SLOT, task.id) + back,
            "delete": delete.replace(_ID_SLOT, task.id) + back,
            "tags": [(tag, tag_links[tag]) for tag in task.tags],
        }
        named = scope.cross_project and project is not None and len(directory.projects) > 1
        if named:
            links["project"] = project_url(project.id)
        rows.append(
            Row(
                task=task,
                links=links,
                editable=bool(project and project.can_edit_tasks),
                project=project if named else None,
            )
        )
    return rows
