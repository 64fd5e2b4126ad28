"""Subtasks, on their parent's edit page: add, complete or reopen, reorder, delete.

Each change is a POST answered by a redirect back to the parent's edit page
(``next``, which the forms set to that page), with a one-line message. A
refusal the views do not handle (403, 409) comes back there as the API's
message through the middleware, which also goes to ``next``.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from taskmanager.ui.api_client import Api, ApiValidationError
from taskmanager.ui.session import api_for, login_required, safe_next
from taskmanager.ui.views.common import short

MOVES = {"up": -1, "down": 1}


class SubtaskList(list):
    """A parent's subtasks (dicts, as the API lists them), in their order."""

    @property
    def done(self) -> int:
        return sum(1 for subtask in self if subtask.get("completed"))


def subtasks_for_page(api: Api, data: dict) -> SubtaskList | None:
    """The subtasks of a top-level task (``parent`` null); None for a subtask or an API without them."""
    if "parent" not in data or data["parent"] is not None:
        return None
    return SubtaskList(api.subtask_list(str(data["id"])))


def _back(request, task_id):
    return redirect(safe_next(request, default=reverse("ui:task-edit", args=[task_id])))


@login_required
@require_POST
def subtask_add(request, task_id):
    title = request.POST.get("title", "").strip()
    if not title:
        messages.error(request, "Give the subtask a title.")
        return _back(request, task_id)
    try:
        created = api_for(request).task_create({"title": title, "parent": str(task_id)})
    except ApiValidationError as error:
        problems = [message for field_messages in error.fields.values() for message in field_messages]
        messages.error(request, " ".join(problems) or error.message or "The subtask was refused.")
    else:
        messages.success(request, f"Added subtask “{short(created['title'])}”.")
    return _back(request, task_id)


@login_required
@require_POST
def subtask_toggle(request, task_id, subtask_id):
    completed = request.POST.get("completed") == "true"
    subtask = api_for(request).task_patch(str(subtask_id), {"completed": completed})
    verb = "Completed" if subtask["completed"] else "Reopened"
    messages.success(request, f"{verb} “{short(subtask['title'])}”.")
    return _back(request, task_id)


@login_required
@require_POST
def subtask_move(request, task_id, subtask_id, direction):
    if direction not in MOVES:
        raise Http404("Subtasks move up or down.")
    api = api_for(request)
    rows = api.subtask_list(str(task_id))
    ids = [str(row["id"]) for row in rows]
    if str(subtask_id) not in ids:
        raise Http404("No such subtask of this task.")
    here = ids.index(str(subtask_id))
    there = here + MOVES[direction]
    if not 0 <= there < len(rows):
        messages.info(
            request, f"“{short(rows[here]['title'])}” is already {'first' if there < 0 else 'last'}."
        )
        return _back(request, task_id)
    positions = [row.get("position", index) for index, row in enumerate(rows)]
    if len(set(positions)) != len(positions):
        # Ties (which the API orders by creation) cannot be swapped: number them first.
        for index, row in enumerate(rows):
            if positions[index] != index:
                api.task_patch(str(row["id"]), {"position": index})
        positions = list(range(len(rows)))
    api.task_patch(ids[here], {"position": positions[there]})
    api.task_patch(ids[there], {"position": positions[here]})
    messages.success(request, f"Moved “{short(rows[here]['title'])}” {direction}.")
    return _back(request, task_id)


@login_required
@require_POST
def subtask_delete(request, task_id, subtask_id):
    api = api_for(request)
    subtask, _etag = api.task_get(str(subtask_id))
    if str(subtask.get("parent")) != str(task_id):
        raise Http404("No such subtask of this task.")
    api.task_delete(str(subtask_id))
    messages.success(request, f"Deleted subtask “{short(subtask['title'])}”.")
    return _back(request, task_id)
