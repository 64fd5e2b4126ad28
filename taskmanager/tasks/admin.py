"""The admin writes through the task services, so it follows the API's rules.

It acts as ``Administration`` (an owner in every project). The rules include:
a task carries only its project's tags (the admin edits them as names, like
the API), the assignee is a member of the project, every change gives a new
version, and the completion time follows the completed flag.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from taskmanager.domain.errors import Conflict, RoleRequired
from taskmanager.projects.access import Administration
from taskmanager.tasks import services
from taskmanager.tasks.models import RecurFrom, Tag, Task

# The form fields that map one to one onto the services' task fields.
_TASK_FIELDS = (
    "title",
    "description",
    "priority",
    "completed",
    "due_date",
    "due_at",
    "recurrence",
    "recur_from",
)
# The service's field names that the form spells differently.
_FORM_FIELD = {"tags": "tag_names", "assignee": "assignee_name"}


class _Rehearsed(Exception):
    """Rolls a rehearsal of the service's write back."""


class TaskAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        label="Tags",
        required=False,
        help_text="Names of the project's tags, separated by commas or spaces; a new name creates the tag.",
    )
    assignee_name = forms.CharField(
        label="Assignee", required=False, help_text="Username of a member of the project; empty for nobody."
    )

    class Meta:
        model = Task
        fields = ("project", *_TASK_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kept as written, as the API keeps it.
        self.fields["description"].strip = False
        # Left out means "from the due date", as in the API.
        self.fields["recur_from"].required = False
        # A new task has its id (a UUID default) before it is saved: ask the state, not the pk.
        if not self.instance._state.adding:
            self.fields["tag_names"].initial = ", ".join(self.instance.tags.values_list("name", flat=True))
            self.fields["assignee_name"].initial = (
                self.instance.assignee.get_username() if self.instance.assignee else ""
            )

    def clean(self):
        cleaned = super().clean()
        cleaned["tags"] = cleaned.get("tag_names", "").replace(",", " ").split()
        cleaned["recur_from"] = cleaned.get("recur_from") or RecurFrom.DUE
        if not self.errors:
            # The service's own checks (membership of the assignee, an archived
            # project, every field rule), run and rolled back, so the form shows
            # their messages instead of failing at save.
            self._rehearse(None if self.instance._state.adding else self.instance.pk)
        return cleaned

    def _rehearse(self, task_id) -> None:
        actor = Administration(None)
        try:
            with transaction.atomic():
                if task_id:
                    services.task_update(
                        actor=actor, task_id=task_id, changes=self.service_fields(changed_only=True)
                    )
                else:
                    services.task_create(actor=actor, **self.service_fields(changed_only=False))
                raise _Rehearsed
        except _Rehearsed:
            pass
        except ValidationError as error:
            for name, field_messages in error.message_dict.items():
                self.add_error(_FORM_FIELD.get(name, name), field_messages)
        except (Conflict, RoleRequired) as error:
            self.add_error(None, str(error))

    def service_fields(self, *, changed_only: bool) -> dict:
        """The fields as the task services take them (only the changed ones, with ``changed_only``)."""
        names = {*_TASK_FIELDS, "project", "tag_names", "assignee_name"}
        if changed_only:
            names &= set(self.changed_data)
        data = self.cleaned_data
        fields = {name: data[name] for name in names & {*_TASK_FIELDS}}
        if "project" in names and data.get("project"):
            fields["project"] = data["project"].pk
        if "tag_names" in names:
            fields["tags"] = data["tags"]
        if "assignee_name" in names:
            fields["assignee"] = data["assignee_name"] or None
        return fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = (
        "title",
        "project",
        "assignee",
        "priority",
        "completed",
        "due_date",
        "due_at",
        "updated_at",
    )
    list_filter = ("completed", "priority", "due_date", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "description", "project__name", "assignee__username", "tags__name")
    list_select_related = ("project", "project__inbox_of", "assignee")
    autocomplete_fields = ("project",)
    readonly_fields = ("id", "created_by", "parent", "completed_at", "created_at", "updated_at", "version")
    date_hierarchy = "created_at"
    actions = ("mark_completed", "mark_open")
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        actor = Administration(request.user)
        if change:
            services.task_update(actor=actor, task_id=obj.pk, changes=form.service_fields(changed_only=True))
        else:
            created = services.task_create(actor=actor, **form.service_fields(changed_only=False))
            obj.pk = created["id"]
            obj._state.adding = False
        # The admin's log entry and redirect describe what the service stored.
        obj.refresh_from_db()

    # Deleting and the actions go through the API's bulk service, so tasks of
    # archived projects stay as they are here too; the message says how many changed.
    def delete_model(self, request, obj):
        self._bulk(request, [obj.pk], services.BulkAction.DELETE, "deleted")

    def delete_queryset(self, request, queryset):
        self._bulk(request, queryset.values_list("pk", flat=True), services.BulkAction.DELETE, "deleted")

    @admin.action(description="Mark selected tasks as completed")
    def mark_completed(self, request, queryset):
        self._bulk(
            request,
            queryset.values_list("pk", flat=True),
            services.BulkAction.COMPLETE,
            "marked as completed",
        )

    @admin.action(description="Reopen selected tasks")
    def mark_open(self, request, queryset):
        self._bulk(request, queryset.values_list("pk", flat=True), services.BulkAction.REOPEN, "reopened")

    def _bulk(self, request, ids, action: str, done: str) -> None:
        ids = list(ids)
        changed = services.task_bulk_apply(actor=Administration(request.user), ids=ids, action=action)
        self.message_user(request, f"{changed} task(s) {done}.", messages.SUCCESS)
        skipped = len(ids) - changed
        if skipped and action == services.BulkAction.DELETE:
            self.message_user(
                request, f"{skipped} task(s) of archived projects were left as they are.", messages.WARNING
            )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "project")
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "project__name")
    list_select_related = ("project", "project__inbox_of")

    def get_readonly_fields(self, request, obj=None):
        # Renaming or moving a tag would change its tasks without a new
        # version, and moving it would show one project's tag on another's tasks.
        return ("project", "name") if obj else ()

    def delete_model(self, request, obj):
        services.tags_delete(Tag.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.tags_delete(queryset)
