"""Project pages: a new project, and its owners' settings (rename, colour, describe, archive, delete).

The task list of a project is the shared list view (lists.py). The Inbox is
every user's own: it keeps its name, is never archived or deleted, and these
pages offer nothing of the kind for it; should the API refuse anyway (409),
its message is shown.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taskmanager.ui.api_client import ApiConflict, ApiForbidden, ApiPreconditionFailed, ApiValidationError
from taskmanager.ui.directory import Project, directory_for, forget_directory
from taskmanager.ui.forms import apply_api_errors
from taskmanager.ui.meta import facts_for
from taskmanager.ui.project_forms import ProjectForm
from taskmanager.ui.session import api_for, login_required
from taskmanager.ui.views.common import count_of, project_url, render_page, short

NOT_ALLOWED = "Your role in this project does not allow that."


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    facts = facts_for(request)
    form = ProjectForm(request.POST or None, facts=facts)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = api_for(request).project_create(form.to_api())
            except ApiValidationError as error:
                apply_api_errors(form, error)
            else:
                forget_directory(request)
                messages.success(request, f"Created the project “{short(created['name'])}”.")
                return redirect(project_url(created["id"]))
    return render_page(request, "ui/project_form.html", {"form": form, "project": None}, status=status)


def _project_or_404(request, project_id) -> Project:
    project = directory_for(request).get(project_id)
    if project is None:
        raise Http404("No such project among the user's.")
    return project


def _refused_unless(request, project: Project, allowed: bool):
    """Sends who may not (as the API's permissions say) back to the project; None for who may."""
    if allowed:
        return None
    messages.error(request, NOT_ALLOWED)
    return redirect(project_url(project.id))


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request, project_id):
    project = _project_or_404(request, project_id)
    if request.method == "GET" and (refused := _refused_unless(request, project, project.can_change_project)):
        return refused
    facts = facts_for(request)
    api = api_for(request)
    if request.method == "GET":
        data, etag = api.project_get(project.id)
        form = ProjectForm(
            initial=ProjectForm.initial_from(Project.from_api(data), etag),
            facts=facts,
            inbox=not project.can_rename_or_archive,
        )
        return _settings_page(request, project, form)

    form = ProjectForm(request.POST, facts=facts, inbox=not project.can_rename_or_archive)
    status = 400
    if form.is_valid():
        try:
            saved = api.project_update(project.id, form.to_api(), etag=form.cleaned_data["etag"])
        except ApiValidationError as error:
            apply_api_errors(form, error)
        except ApiPreconditionFailed as error:
            # Keep what the owner typed; saving again (against the current version) overwrites.
            data = request.POST.copy()
            data["etag"] = error.etag
            form = ProjectForm(data, facts=facts, inbox=not project.can_rename_or_archive)
            form.is_valid()
            form.add_error(
                None,
                "This project was changed elsewhere after you opened it. Your edits are below; "
                "save again to keep them, or cancel to see the current version.",
            )
        except (ApiForbidden, ApiConflict) as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(request, f"Saved the project “{short(saved['name'])}”.")
            return redirect(project_url(project.id))
    return _settings_page(request, project, form, status=status)


def _settings_page(request, project: Project, form, *, status=200):
    return render_page(request, "ui/project_form.html", {"form": form, "project": project}, status=status)


@login_required
@require_POST
def project_archive(request, project_id):
    """Archive (``archived=true``) or restore (``archived=false``) a project."""
    project = _project_or_404(request, project_id)
    archived = request.POST.get("archived") == "true"
    api_for(request).project_update(project.id, {"archived": archived})
    verb = "Archived" if archived else "Restored"
    detail = " Its tasks are read-only until it is restored." if archived else ""
    messages.success(request, f"{verb} the project “{short(project.name)}”.{detail}")
    return redirect(project_url(project.id))


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request, project_id):
    project = _project_or_404(request, project_id)
    if request.method == "POST":
        api_for(request).project_delete(project.id)
        tasks = f" and {count_of(project.task_count)}" if project.task_count else ""
        messages.success(request, f"Deleted the project “{short(project.name)}”{tasks}.")
        return redirect(reverse("ui:task-list"))
    if refused := _refused_unless(request, project, project.can_delete):
        return refused
    return render_page(request, "ui/project_confirm_delete.html", {"project": project})
