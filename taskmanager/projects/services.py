"""Writes to projects and their memberships. Every rule about them lives here or in access.py.

Lock order, shared with the task services: the project row, then membership
rows (by user id), then task rows (by id), then tags, then the links between
them. Membership changes lock the project row first, so two owners changing
members at once take turns and the project always keeps an owner.
"""

import functools
from collections.abc import Collection

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from taskmanager.domain import cleaning
from taskmanager.domain.compiled import INT, CompiledQuery
from taskmanager.domain.errors import Conflict, VersionConflict
from taskmanager.domain.transactions import write_transaction
from taskmanager.projects.access import (
    MANAGE_MEMBERS,
    MANAGE_PROJECT,
    SEE,
    actor_user,
    project_access,
)
from taskmanager.projects.models import (
    DESCRIPTION_MAX_LENGTH,
    INBOX_NAME,
    NAME_MAX_LENGTH,
    Color,
    Membership,
    Project,
    Role,
)
from taskmanager.projects.selectors import member_rows_of, project_row

EDITABLE_FIELDS = frozenset({"name", "description", "color", "archived"})
# What an Inbox keeps as it is: it is every user's own fixed place.
INBOX_FIXED_FIELDS = frozenset({"name", "archived"})


@write_transaction
def inbox_create(*, user) -> Project:
    inbox = Project.objects.create(name=INBOX_NAME, color=Color.BLUE, inbox_of=user)
    Membership.objects.create(project=inbox, user=user, role=Role.OWNER)
    return inbox


def inbox_id(user):
    rows = _INBOX.rows("one", user_id=user.pk)
    if not rows:
        raise Project.DoesNotExist("The user has no Inbox.")
    return rows[0]["id"]


_INBOX = CompiledQuery(
    lambda _context, user_id: Project.objects.filter(inbox_of=user_id).values("id"), user_id=INT
)


@write_transaction
def project_create(
    *, actor, name: str, description: str = "", color: str = Color.SLATE, archived: bool = False
) -> dict:
    fields = project_fields_clean(
        {"name": name, "description": description, "color": color, "archived": archived}
    )
    project = Project.objects.create(**fields)
    Membership.objects.create(project=project, user=actor_user(actor), role=Role.OWNER)
    return project_row(actor, project.id)


@write_transaction
def project_update(
    *, actor, project_id, changes: dict, expected_versions: Collection[int] | None = None
) -> dict:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    fields = project_fields_clean(changes)
    project = _project_locked(actor, project_id, MANAGE_PROJECT, expected_versions)
    if project.is_inbox:
        fixed = sorted(
            name for name in INBOX_FIXED_FIELDS & set(fields) if fields[name] != getattr(project, name)
        )
        if fixed:
            raise Conflict(f"The Inbox cannot be renamed or archived (asked to change: {', '.join(fixed)}).")
    fields = {name: value for name, value in fields.items() if value != getattr(project, name)}
    if fields:
        Project.objects.filter(id=project.id).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        )
    return project_row(actor, project.id)


@write_transaction
def project_delete(*, actor, project_id, expected_versions: Collection[int] | None = None) -> int:
    """Delete the project with its tasks; returns how many tasks went with it."""
    from taskmanager.tasks.models import Task
    from taskmanager.tasks.services import tasks_delete

    project = _project_locked(actor, project_id, MANAGE_PROJECT, expected_versions)
    if project.is_inbox:
        raise Conflict("The Inbox cannot be deleted.")
    list(Membership.objects.filter(project=project).order_by("user_id").select_for_update())
    deleted = tasks_delete(Task.objects.filter(project=project))
    project.delete()
    return deleted


@write_transaction
def member_add(*, actor, project_id, username: str, role: str) -> dict:
    role = _clean_role(role)
    project = _project_locked(actor, project_id, MANAGE_MEMBERS)
    if project.is_inbox:
        raise Conflict("The Inbox is personal and cannot be shared; make a project to share tasks.")
    user = get_user_model().objects.filter(username__iexact=str(username).strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"username": ["There is no user with that username to add."]})
    _membership, created = Membership.objects.get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    if not created:
        raise ValidationError({"username": ["That user is already a member; change their role instead."]})
    return member_rows_of(project.id, user_ids=[user.id])[0]


@write_transaction
def member_change_role(*, actor, project_id, username: str, role: str) -> dict:
    role = _clean_role(role)
    project = _project_locked(actor, project_id, MANAGE_MEMBERS)
    membership = _membership_locked(project, username)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(project, membership, "demote the last owner; make someone else an owner first")
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return member_rows_of(project.id, user_ids=[membership.user_id])[0]


@write_transaction
def member_remove(*, actor, project_id, username: str) -> None:
    """Remove a member; when it is the actor, they leave (any member may, but the last owner)."""
    from taskmanager.tasks.services import tasks_unassign

    # The database's case-insensitive match decides who is meant, as it does for the lookup.
    target = (
        get_user_model().objects.filter(username__iexact=str(username).strip()).values_list("id", flat=True)
    )
    leaving = actor_user(actor) is not None and actor_user(actor).id in list(target)
    project = _project_locked(actor, project_id, SEE if leaving else MANAGE_MEMBERS)
    membership = _membership_locked(project, username)
    if membership.role == Role.OWNER:
        _keep_an_owner(project, membership, "remove the last owner; make someone else an owner first")
    tasks_unassign(project_id=project.id, user_id=membership.user_id)
    membership.delete()


@write_transaction
def projects_hand_over(*, user) -> dict:
    """Before the user's account goes: each shared project they alone own gets
    a new owner (the longest-standing editor, else viewer); one with no other
    member goes with its tasks. Returns {"handed_over": n, "deleted": n}."""
    from taskmanager.tasks.models import Task
    from taskmanager.tasks.services import tasks_delete

    handed_over = deleted = 0
    owned = Membership.objects.filter(user=user, role=Role.OWNER, project__inbox_of__isnull=True)
    for project in (
        Project.objects.filter(id__in=owned.values("project_id")).order_by("id").select_for_update()
    ):
        others = Membership.objects.filter(project=project).exclude(user=user).select_for_update()
        if others.filter(role=Role.OWNER).exists():
            continue
        successor = (
            others.filter(role=Role.EDITOR).order_by("created_at", "id").first()
            or others.order_by("created_at", "id").first()
        )
        if successor is None:
            tasks_delete(Task.objects.filter(project=project))
            project.delete()
            deleted += 1
            continue
        successor.role = Role.OWNER
        successor.save(update_fields=["role"])
        handed_over += 1
    # Their tasks lose their assignee or creator with the account: new versions, so no ETag goes stale.
    touched = Task.objects.filter(Q(assignee=user) | Q(created_by=user)).order_by("id")
    locked = list(touched.select_for_update(of=("self",)).values_list("id", flat=True))
    Task.objects.filter(id__in=locked).update(version=F("version") + 1, updated_at=timezone.now())
    return {"handed_over": handed_over, "deleted": deleted}


def _project_locked(actor, project_id, need, expected_versions=None) -> Project:
    """The project, locked for update, once the actor's role meets ``need``.

    FOR NO KEY UPDATE, not FOR UPDATE: changes of the project and its members
    still take turns, but a task or tag being inserted into it meanwhile
    (whose foreign key check locks the project FOR KEY SHARE) does not wait
    for this lock while holding the membership row that this change waits
    for, which deadlocked.
    """
    project_access(actor, project_id, need)
    project = Project.objects.select_for_update(no_key=True).get(id=project_id)
    project_access(actor, project_id, need)  # again: a concurrent change may have just committed
    if expected_versions is not None and project.version not in expected_versions:
        raise VersionConflict(project.id, project.version, "project")
    return project


def _membership_locked(project, username: str) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .filter(project=project, user__username__iexact=str(username).strip())
        .first()
    )
    if membership is None:
        raise Membership.DoesNotExist
    return membership


def _keep_an_owner(project, membership, refusal: str) -> None:
    owners = Membership.objects.filter(project=project, role=Role.OWNER).exclude(id=membership.id)
    if project.is_inbox or not owners.exists():
        raise Conflict(f"A project needs an owner: cannot {refusal}.")


def _clean_role(role) -> str:
    return cleaning.fields_clean({"role": role}, {"role": _ROLE_CLEANER})["role"]


_ROLE_CLEANER = functools.partial(cleaning.choice, label="Role", choices=Role.values)


def project_fields_clean(fields: dict) -> dict:
    return cleaning.fields_clean(fields, _CLEANERS)


_CLEANERS = {
    "name": functools.partial(cleaning.required_text, label="Name", max_length=NAME_MAX_LENGTH),
    "description": functools.partial(
        cleaning.optional_text, label="Description", max_length=DESCRIPTION_MAX_LENGTH
    ),
    "color": functools.partial(cleaning.choice, label="Color", choices=Color.values),
    "archived": functools.partial(cleaning.boolean, label="Archived"),
}
