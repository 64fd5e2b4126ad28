"""The admin writes through the task services, so it follows the API's rules.

Those rules include: a task only ever carries its owner's tags (the admin
edits them as names, like the API), every change gives a new version, and
the completion time follows the completed flag.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from taskmanager.tasks import services
from taskmanager.tasks.models import Tag, Task

# The form fields that map one to one onto the services' task fields.
_TASK_FIELDS = ("title", "description", "priority", "completed", "due_date")


class TaskAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        label="Tags",
        required=False,
        help_text="Names of the owner's tags, separated by commas or spaces; a new name creates the tag.",
    )

    class Meta:
        model = Task
        fields = ("owner", *_TASK_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kept as written, as the API keeps it.
        self.fields["description"].strip = False
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(self.instance.tags.values_list("name", flat=True))

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in _TASK_FIELDS if name in cleaned}
        fields["tags"] = cleaned.get("tag_names", "").replace(",", " ").split()
        try:
            cleaned["tags"] = services.task_fields_clean(fields)["tags"]
        except ValidationError as error:
            for name, field_messages in error.message_dict.items():
                self.add_error("tag_names" if name == "tags" else name, field_messages)
        return cleaned

    def service_changes(self) -> dict:
        """The changed fields, as task_update takes them."""
        changes = {name: self.cleaned_data[name] for name in _TASK_FIELDS if name in self.changed_data}
        if "tag_names" in self.changed_data:
            changes["tags"] = self.cleaned_data["tags"]
        return changes


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = ("title", "owner_name", "priority", "completed", "due_date", "updated_at")
    list_filter = ("completed", "priority", "due_date", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "description", "owner__username", "tags__name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("id", "completed_at", "created_at", "updated_at", "version")
    date_hierarchy = "created_at"
    actions = ("mark_completed", "mark_open")
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # A task's tags belong to its owner, so it cannot change hands.
        return (*self.readonly_fields, "owner") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            services.task_update(owner=obj.owner, task_id=obj.pk, changes=form.service_changes())
        else:
            created = services.task_create(
                owner=form.cleaned_data["owner"],
                tags=form.cleaned_data["tags"],
                **{name: form.cleaned_data[name] for name in _TASK_FIELDS},
            )
            obj.pk = created.pk
            obj._state.adding = False
        # The admin's log entry and redirect describe what the service stored.
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.tasks_delete(Task.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.tasks_delete(queryset)

    @admin.display(description="Owner", ordering="owner__username")
    def owner_name(self, task):
        return task.owner.get_username()

    @admin.action(description="Mark selected tasks as completed")
    def mark_completed(self, request, queryset):
        changed = services.tasks_set_completed(queryset, completed=True)
        self.message_user(request, f"{changed} task(s) marked as completed.", messages.SUCCESS)

    @admin.action(description="Reopen selected tasks")
    def mark_open(self, request, queryset):
        changed = services.tasks_set_completed(queryset, completed=False)
        self.message_user(request, f"{changed} task(s) reopened.", messages.SUCCESS)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "owner")
    list_filter = (("owner", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)

    def get_readonly_fields(self, request, obj=None):
        # Renaming or moving a tag would change its tasks without a new
        # version, and moving it would show one user's tag on another's tasks.
        return ("owner", "name") if obj else ()

    def delete_model(self, request, obj):
        services.tags_delete(Tag.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.tags_delete(queryset)
