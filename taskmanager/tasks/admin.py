from django.contrib import admin, messages
from django.db.models import F

from taskmanager.tasks.models import Tag, Task
from taskmanager.tasks.services import completed_at_for, tasks_set_completed


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "owner_name", "priority", "completed", "due_date", "updated_at")
    list_filter = ("completed", "priority", "due_date", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "description", "owner__username", "tags__name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    filter_horizontal = ("tags",)
    readonly_fields = ("id", "completed_at", "created_at", "updated_at", "version")
    date_hierarchy = "created_at"
    actions = ("mark_completed", "mark_open")
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        # Admin edits follow the same rules as API writes: a consistent
        # completion time and a new version on every change.
        obj.completed_at = completed_at_for(obj.completed, obj.completed_at)
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])

    @admin.display(description="Owner", ordering="owner__username")
    def owner_name(self, task):
        return task.owner.get_username()

    @admin.action(description="Mark selected tasks as completed")
    def mark_completed(self, request, queryset):
        changed = tasks_set_completed(queryset, completed=True)
        self.message_user(request, f"{changed} task(s) marked as completed.", messages.SUCCESS)

    @admin.action(description="Reopen selected tasks")
    def mark_open(self, request, queryset):
        changed = tasks_set_completed(queryset, completed=False)
        self.message_user(request, f"{changed} task(s) reopened.", messages.SUCCESS)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "owner")
    list_filter = (("owner", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
