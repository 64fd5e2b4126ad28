"""The admin changes projects and memberships through the project services, as an
owner of every project (``Administration``), so the same rules hold: the Inbox
stays personal, a project keeps an owner, a removed member's tasks are unassigned."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from taskmanager.domain.errors import Conflict
from taskmanager.projects import services
from taskmanager.projects.access import Administration
from taskmanager.projects.models import Membership, Project

_PROJECT_FIELDS = ("name", "description", "color", "archived")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "color", "archived", "inbox_of", "updated_at")
    list_filter = ("archived", "color")
    search_fields = ("name", "memberships__user__username")
    # A stable order for the changelist and for the task form's project search, which pages its results.
    ordering = ("name", "id")
    list_select_related = ("inbox_of",)

    def get_queryset(self, request):
        # Also the autocomplete's: each Inbox is shown with its person's name.
        return super().get_queryset(request).select_related("inbox_of")

    fields = (*_PROJECT_FIELDS, "inbox_of", "created_at", "updated_at", "version")
    readonly_fields = ("inbox_of", "created_at", "updated_at", "version")
    inlines = (MembershipInline,)

    def save_model(self, request, obj, form, change):
        actor = Administration(request.user)
        fields = {name: form.cleaned_data[name] for name in _PROJECT_FIELDS}
        if change:
            changes = {name: value for name, value in fields.items() if name in form.changed_data}
            services.project_update(actor=actor, project_id=obj.pk, changes=changes)
        else:
            # The admin who makes a project is its first owner, as through the API.
            created = services.project_create(actor=actor, **fields)
            obj.pk = created["id"]
            obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.project_delete(actor=Administration(request.user), project_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for project_id in queryset.values_list("id", flat=True):
            try:
                services.project_delete(actor=Administration(request.user), project_id=project_id)
            except Conflict as refusal:
                self.message_user(request, str(refusal), messages.WARNING)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("project", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("project__name", "user__username")
    list_select_related = ("project", "project__inbox_of", "user")
    autocomplete_fields = ("project", "user")

    def get_readonly_fields(self, request, obj=None):
        # A membership changes role only; moving it is removing and adding.
        return ("project", "user", "created_at") if obj else ("created_at",)

    def save_model(self, request, obj, form, change):
        actor = Administration(request.user)
        try:
            if change:
                services.member_change_role(
                    actor=actor, project_id=obj.project_id, username=obj.user.get_username(), role=obj.role
                )
            else:
                services.member_add(
                    actor=actor, project_id=obj.project_id, username=obj.user.get_username(), role=obj.role
                )
        except (Conflict, ValidationError) as refusal:
            self.message_user(request, " ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
            return
        saved = Membership.objects.filter(project_id=obj.project_id, user_id=obj.user_id).first()
        if saved:
            obj.pk = saved.pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.member_remove(
            actor=Administration(request.user), project_id=obj.project_id, username=obj.user.get_username()
        )

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            try:
                self.delete_model(request, membership)
            except Conflict as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
