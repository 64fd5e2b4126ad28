"""A project's members: everyone sees them and may leave; owners add, change roles and remove.

Whether a change is allowed is the API's call: a project keeps at least one
owner, the Inbox is never shared (409), only owners manage members (403).
Its refusals come back as its own message, on the form where there is one.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taskmanager.ui.api_client import ApiConflict, ApiForbidden, ApiValidationError
from taskmanager.ui.directory import Member, Project, directory_for
from taskmanager.ui.forms import apply_api_errors
from taskmanager.ui.meta import facts_for
from taskmanager.ui.project_forms import MemberAddForm, MemberRoleForm
from taskmanager.ui.session import USERNAME_KEY, api_for, login_required
from taskmanager.ui.views.common import render_page, short


def _project_or_404(request, project_id) -> Project:
    project = directory_for(request).get(project_id)
    if project is None:
        raise Http404("No such project among the user's.")
    return project


def members_url(project_id) -> str:
    return reverse("ui:project-members", args=[project_id])


@login_required
@require_http_methods(["GET", "POST"])
def members(request, project_id):
    """The member list; a POST adds a member (owners)."""
    project = _project_or_404(request, project_id)
    facts = facts_for(request)
    form = MemberAddForm(request.POST or None, facts=facts)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            username = form.cleaned_data["username"]
            try:
                added = api_for(request).member_add(
                    project.id, username=username, role=form.cleaned_data["role"]
                )
            except ApiValidationError as error:
                apply_api_errors(form, error)
            except (ApiForbidden, ApiConflict) as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, f"Added {added['username']} as {added['role']}.")
                return redirect(members_url(project.id))
    listed = [Member.from_api(row) for row in api_for(request).member_list(project.id)]
    me = request.session.get(USERNAME_KEY, "")
    context = {
        "project": project,
        "members": listed,
        "form": form,
        "role_choices": facts.role_choices(),
        "me": me.lower(),
        "owner_count": sum(1 for member in listed if member.role == "owner"),
    }
    return render_page(request, "ui/members.html", context, status=status)


@login_required
@require_POST
def member_role(request, project_id, username):
    project = _project_or_404(request, project_id)
    form = MemberRoleForm(request.POST, facts=facts_for(request))
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect(members_url(project.id))
    changed = api_for(request).member_change_role(project.id, username, form.cleaned_data["role"])
    messages.success(request, f"{changed['username']} is now {changed['role']}.")
    return redirect(members_url(project.id))


@login_required
@require_POST
def member_remove(request, project_id, username):
    project = _project_or_404(request, project_id)
    api_for(request).member_remove(project.id, username)
    messages.success(
        request, f"Removed {username} from “{short(project.name)}”; their tasks there are unassigned."
    )
    return redirect(members_url(project.id))


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request, project_id):
    project = _project_or_404(request, project_id)
    if request.method == "POST":
        api_for(request).member_remove(project.id, request.session.get(USERNAME_KEY, ""))
        messages.success(request, f"You left “{short(project.name)}”.")
        return redirect(reverse("ui:task-list"))
    return render_page(request, "ui/member_confirm_leave.html", {"project": project})
