"""Task pages. Each view reads or writes through the API and renders or redirects; nothing more.

Every change is a POST answered by a redirect back to the list view the user
came from (``next``), with a one-line message saying what happened. A change
the API refuses for the user's role (403) or the project's state (409) comes
back as the API's message (see middleware.py), never as a crash.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taskmanager.ui.api_client import (
    ApiConflict,
    ApiForbidden,
    ApiPreconditionFailed,
    ApiValidationError,
)
from taskmanager.ui.directory import Member, directory_for
from taskmanager.ui.forms import BulkForm, TaskEditForm, TaskForm, apply_api_errors
from taskmanager.ui.meta import facts_for
from taskmanager.ui.records import Task
from taskmanager.ui.session import api_for, login_required, safe_next, user_zone
from taskmanager.ui.views.common import count_of, render_page, short
from taskmanager.ui.views.subtasks import subtasks_for_page

BULK_DONE = {"complete": "Completed", "reopen": "Reopened", "delete": "Deleted"}
# The no-JavaScript way to see the assignees of another project: a submit
# button that re-renders the form for the chosen project without saving.
REFRESH = "refresh"


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    directory = directory_for(request)
    if request.method == "GET" or REFRESH in request.POST:
        initial = _initial_from_post(request.POST) if request.method == "POST" else {}
        initial.setdefault("project", _default_project(request, directory))
        form = _task_form(request, TaskForm, initial=initial)
        return _form_page(request, form, next_url, refreshed=request.method == "POST")
    form = _task_form(request, TaskForm, data=request.POST)
    status = 400
    if form.is_valid():
        try:
            created = api_for(request).task_create(form.to_api())
        except ApiValidationError as error:
            apply_api_errors(form, error)
        except (ApiForbidden, ApiConflict) as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(request, f"Added “{short(created['title'])}”.")
            return redirect(next_url)
    return _form_page(request, form, next_url, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, task_id):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    api = api_for(request)
    directory = directory_for(request)
    if request.method == "GET" or REFRESH in request.POST:
        data, etag = api.task_get(str(task_id))
        task = Task.from_api(data, user_zone(request))
        if not directory.can_edit_tasks_in(task.project_id):
            # Viewers (and anyone, in an archived project) see the task, with nothing to change.
            return _read_only_page(request, task, next_url)
        if request.method == "POST":
            initial = {**_initial_from_post(request.POST), "etag": request.POST.get("etag", "")}
        else:
            initial = TaskEditForm.initial_from(task, etag)
        form = _task_form(request, TaskEditForm, initial=initial)
        subtasks = subtasks_for_page(api, data)
        return _form_page(
            request, form, next_url, task=task, subtasks=subtasks, refreshed=request.method == "POST"
        )

    # The API decides whether the user may change the task: a viewer's (forged) form gets its 403.
    form = _task_form(request, TaskEditForm, data=request.POST)
    status = 400
    if form.is_valid():
        try:
            saved = api.task_update(str(task_id), form.to_api(), etag=form.cleaned_data["etag"])
        except ApiValidationError as error:
            apply_api_errors(form, error)
        except ApiPreconditionFailed as error:
            # Keep what the user typed; saving again (now against the current version) overwrites.
            form = _with_etag(request, form, error.etag)
            form.add_error(
                None,
                "This task was changed elsewhere after you opened it. Your edits are below; "
                "save again to keep them, or cancel to see the current version.",
            )
        except (ApiForbidden, ApiConflict) as error:
            # The API's word on the user's role or the project's state (a forged or stale form).
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(request, f"Saved “{short(saved['title'])}”.")
            return redirect(next_url)
    data = api.task_get(str(task_id))[0]
    task = Task.from_api(data, user_zone(request))  # for the page heading
    if not directory.can_edit_tasks_in(task.project_id):
        refusal = " ".join(form.non_field_errors()) or None
        return _read_only_page(request, task, next_url, refusal=refusal, status=status)
    return _form_page(
        request, form, next_url, task=task, subtasks=subtasks_for_page(api, data), status=status
    )


def _task_form(request, form_class, *, data=None, initial=None):
    """The form with the API's vocabulary, the user's writable projects and the chosen one's members."""
    directory = directory_for(request)
    chosen = (data or initial or {}).get("project") or ""
    project = directory.get(chosen)
    members = []
    if project is not None and project.can_edit_tasks:
        members = [Member.from_api(row) for row in api_for(request).member_list(project.id)]
    form = form_class(
        data,
        initial=initial,
        facts=facts_for(request),
        projects=directory.editable,
        members=members,
        zone=user_zone(request),
    )
    if initial is not None and initial.get("assignee") not in {"", None, *(m.username for m in members)}:
        # A refresh for another project drops an assignee who is no member there.
        form.initial["assignee"] = ""
    return form


def _default_project(request, directory) -> str:
    """A new task goes where the page it came from is scoped, when the user may add there."""
    wanted = request.GET.get("project") or request.POST.get("project") or ""
    if directory.can_edit_tasks_in(wanted):
        return directory.get(wanted).id
    return directory.inbox.id if directory.inbox else ""


def _initial_from_post(post) -> dict:
    names = ("title", "description", "priority", "due_date", "tags", "project", "assignee")
    initial = {name: post.get(name, "") for name in names}
    initial["completed"] = post.get("completed") in {"on", "true", "1"}
    return initial


def _form_page(request, form, next_url, *, task=None, subtasks=None, status=200, refreshed=False):
    if refreshed:
        # Back where the user was: choosing with the keyboard reloads the form on each choice.
        form.fields["project"].widget.attrs["autofocus"] = True
    context = {"form": form, "next": next_url, "task": task, "refreshed": refreshed, "subtasks": subtasks}
    return render_page(request, "ui/task_form.html", context, status=status)


def _read_only_page(request, task: Task, next_url: str, *, refusal=None, status=200):
    project = directory_for(request).get(task.project_id)
    context = {"task": task, "project": project, "next": next_url, "refusal": refusal}
    return render_page(request, "ui/task_read_only.html", context, status=status)


@login_required
@require_POST
def task_toggle(request, task_id):
    completed = request.POST.get("completed") == "true"
    task = Task.from_api(api_for(request).task_set_completed(str(task_id), completed), user_zone(request))
    if completed and not task.completed:
        # A repeating task: the API moved it to its next due; the user may take that back.
        next_due = f" Next due {task.due_label}." if task.has_due else ""
        messages.success(request, f"Completed “{short(task.title)}”.{next_due}", extra_tags=f"undo:{task.id}")
    else:
        verb = "Completed" if task.completed else "Reopened"
        messages.success(request, f"{verb} “{short(task.title)}”.")
    return redirect(safe_next(request, default=reverse("ui:task-list")))


@login_required
@require_POST
def task_undo_completion(request, task_id):
    try:
        task = api_for(request).task_undo_completion(str(task_id))
    except ApiConflict as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, f"Undone: “{short(task['title'])}” is back to its previous due.")
    return redirect(safe_next(request, default=reverse("ui:task-list")))


@login_required
@require_http_methods(["GET", "POST"])
def task_delete(request, task_id):
    next_url = safe_next(request, default=reverse("ui:task-list"))
    api = api_for(request)
    data, _etag = api.task_get(str(task_id))
    task = Task.from_api(data, user_zone(request))
    if request.method == "POST":
        api.task_delete(str(task_id))
        messages.success(request, f"Deleted “{short(task.title)}”.")
        return redirect(next_url)
    return render_page(request, "ui/task_confirm_delete.html", {"task": task, "next": next_url})


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
        return render_page(request, "ui/bulk_confirm_delete.html", {"ids": ids, "next": next_url})
    affected = api_for(request).task_bulk(ids=ids, action=action)
    messages.success(request, f"{BULK_DONE[action]} {count_of(affected)}.")
    return redirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
def clear_completed(request):
    """All the completed tasks the user may delete, or only one project's (``project``)."""
    next_url = safe_next(request, default=reverse("ui:task-list"))
    directory = directory_for(request)
    project_id = request.POST.get("project") or request.GET.get("project") or ""
    project = directory.get(project_id) if project_id else None
    if project_id and project is None:
        raise Http404("No such project among the user's.")
    if request.method == "POST":
        deleted = api_for(request).task_clear_completed(project.id if project else None)
        messages.success(request, f"Cleared {count_of(deleted)}.")
        return redirect(next_url)
    completed = project.completed_task_count if project else directory.completed_editable_count
    context = {"completed": completed, "project": project, "next": next_url}
    return render_page(request, "ui/clear_completed_confirm.html", context)


def _with_etag(request, form: TaskEditForm, etag: str) -> TaskEditForm:
    data = form.data.copy()
    data["etag"] = etag
    rebound = _task_form(request, TaskEditForm, data=data)
    rebound.is_valid()
    return rebound
