"""Task pages. Each view reads or writes through the API and renders or redirects; nothing more.

Every change is a POST answered by a redirect back to the list view the user
came from (``next``), with a one-line message saying what happened.
"""

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taskmanager.ui.api_client import ApiPreconditionFailed, ApiValidationError
from taskmanager.ui.forms import BulkForm, TaskEditForm, TaskForm, apply_api_errors
from taskmanager.ui.list_query import PAGE_SIZES, PRIORITY_FILTERS, SORTS, STATUSES, TaskListQuery
from taskmanager.ui.records import Page, Task
from taskmanager.ui.session import api_for, login_required, safe_next

BULK_DONE = {"complete": "Completed", "reopen": "Reopened", "delete": "Deleted"}


@login_required
@require_GET
def task_list(request):
    query = TaskListQuery.from_query(request.GET)
    if not query.is_canonical(request.GET):
        # Filter forms submit every field, empty or not; a short, clean URL is what gets bookmarked.
        return redirect(reverse("ui:task-list") + query.url_query())
    api = api_for(request)
    listing = api.task_list(query.api_params())
    results = listing["results"]
    page = Page(count=listing["count"], offset=query.offset, limit=query.per_page, shown=len(results))
    if not results and page.count and query.page > 1:
        # Past the end (e.g. after deleting the last tasks of the last page): show the last page.
        return redirect(reverse("ui:task-list") + query.url_query(page=page.num_pages))
    tasks = [Task.from_api(item) for item in results]
    context = {
        "tasks": tasks,
        "task_rows": _with_links(tasks, request),
        "page": page,
        "stats": api.task_stats(),
        "tags": api.tag_list(),
        "query": query,
        "statuses": STATUSES,
        "priority_filters": PRIORITY_FILTERS,
        "sorts": SORTS,
        "page_sizes": PAGE_SIZES,
        "here": request.get_full_path(),
    }
    return render(request, "ui/task_list.html", context)


# A page of 50 tasks needs some 270 links; building each with {% url %} or
# {% querystring %} was about half of the list's render time, so each route is
# reversed once per page and each tag's filter link built once.
_ID_SLOT = "00000000-0000-0000-0000-000000000000"


def _with_links(tasks: list[Task], request) -> list[tuple[Task, dict]]:
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
        tag_links[tag] = f"{reverse('ui:task-list')}?{params.urlencode()}"
    return [
        (
            task,
            {
                "toggle": toggle.replace(_ID_SLOT, task.id),
                "edit": edit.replace(_ID_SLOT, task.id) + back,
                "delete": delete.replace(_ID_SLOT, task.id) + back,
                "tags": [(tag, tag_links[tag]) for tag in task.tags],
            },
        )
        for task in tasks
    ]


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = api_for(request).task_create(form.to_api())
        except ApiValidationError as error:
            apply_api_errors(form, error)
        else:
            messages.success(request, f"Added “{_short(created['title'])}”.")
            return redirect(next_url)
    status = 400 if form.is_bound else 200
    return render(request, "ui/task_form.html", {"form": form, "next": next_url, "task": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, task_id):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    api = api_for(request)
    if request.method == "GET":
        data, etag = api.task_get(str(task_id))
        task = Task.from_api(data)
        form = TaskEditForm(initial=TaskEditForm.initial_from(task, etag))
        return render(request, "ui/task_form.html", {"form": form, "next": next_url, "task": task})

    form = TaskEditForm(request.POST)
    if form.is_valid():
        try:
            saved = api.task_replace(str(task_id), form.to_api(), etag=form.cleaned_data["etag"])
        except ApiValidationError as error:
            apply_api_errors(form, error)
        except ApiPreconditionFailed as error:
            # Keep what the user typed; saving again (now against the current version) overwrites.
            form = _with_etag(form, error.etag)
            form.add_error(
                None,
                "This task was changed elsewhere after you opened it. Your edits are below; "
                "save again to keep them, or cancel to see the current version.",
            )
        else:
            messages.success(request, f"Saved “{_short(saved['title'])}”.")
            return redirect(next_url)
    task = Task.from_api(api.task_get(str(task_id))[0])  # for the page heading
    return render(request, "ui/task_form.html", {"form": form, "next": next_url, "task": task}, status=400)


@login_required
@require_POST
def task_toggle(request, task_id):
    completed = request.POST.get("completed") == "true"
    task = api_for(request).task_set_completed(str(task_id), completed)
    verb = "Completed" if task["completed"] else "Reopened"
    messages.success(request, f"{verb} “{_short(task['title'])}”.")
    return redirect(safe_next(request, default=reverse("ui:task-list")))


@login_required
@require_http_methods(["GET", "POST"])
def task_delete(request, task_id):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    api = api_for(request)
    data, _etag = api.task_get(str(task_id))
    task = Task.from_api(data)
    if request.method == "POST":
        api.task_delete(str(task_id))
        messages.success(request, f"Deleted “{_short(task.title)}”.")
        return redirect(next_url)
    return render(request, "ui/task_confirm_delete.html", {"task": task, "next": next_url})


@login_required
@require_POST
def task_bulk(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown bulk action.")
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    if not ids:
        messages.warning(request, "Select one or more tasks first.")
        return redirect(next_url)
    if action == "delete" and not form.cleaned_data["confirmed"]:
        return render(request, "ui/bulk_confirm_delete.html", {"ids": ids, "next": next_url})
    affected = api_for(request).task_bulk(ids=ids, action=action)
    messages.success(request, f"{BULK_DONE[action]} {_tasks(affected)}.")
    return redirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
def clear_completed(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    api = api_for(request)
    if request.method == "POST":
        deleted = api.task_clear_completed()
        messages.success(request, f"Cleared {_tasks(deleted)}.")
        return redirect(next_url)
    completed = api.task_stats()["completed"]
    return render(request, "ui/clear_completed_confirm.html", {"completed": completed, "next": next_url})


def _with_etag(form: TaskEditForm, etag: str) -> TaskEditForm:
    data = form.data.copy()
    data["etag"] = etag
    rebound = TaskEditForm(data)
    rebound.is_valid()
    return rebound


def _short(title: str) -> str:
    return Truncator(title).chars(60)


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"
