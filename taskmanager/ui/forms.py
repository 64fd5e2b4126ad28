"""Form shapes of the UI. The API decides what is valid; its field errors are mapped back here."""

import uuid

from django import forms

from taskmanager.ui.api_client import ApiError


def apply_api_errors(form: forms.Form, error: ApiError, *, field_map: dict | None = None) -> None:
    """Show the API's field errors next to the matching fields, the rest above the form."""
    field_map = field_map or {}
    if not error.fields:
        form.add_error(None, error.message or "The change was refused.")
        return
    for name, messages in error.fields.items():
        target = field_map.get(name, name)
        form.add_error(target if target in form.fields else None, list(messages))


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        max_length=256, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autofocus"] = True


class SignupForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        required=False,
        label="Email (optional)",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        max_length=256,
        strip=False,
        help_text="At least 8 characters; not too common, not all digits.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        max_length=256,
        strip=False,
        label="Repeat password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords differ.")
        return cleaned


class AnyChoiceField(forms.ChoiceField):
    """A menu whose offered values are hints: which values are valid is the API's business."""

    def valid_value(self, value):
        return True


class TaskForm(forms.Form):
    """A task's fields; the choices and limits come from the API (``facts``, the user's projects).

    ``projects``: where the user may put tasks; ``members``: the chosen project's
    members, offered as assignees.
    """

    # Blank titles and over-long values are for the API to refuse: one source of truth.
    title = forms.CharField(
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"placeholder": "What needs doing?"}),
    )
    description = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 4}))
    project = AnyChoiceField(required=False)
    assignee = AnyChoiceField(required=False, label="Assigned to")
    priority = forms.ChoiceField()
    due_date = forms.DateField(
        required=False, label="Due date", widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(
        required=False,
        help_text="Separate tags with commas, e.g. work, errands.",
        widget=forms.TextInput(attrs={"placeholder": "work, errands", "autocomplete": "off"}),
    )

    def __init__(self, data=None, *, facts, projects=(), members=(), **kwargs):
        super().__init__(data, **kwargs)
        fields = self.fields
        set_max_length(fields["title"], facts.limit("task_title_max_length"))
        set_max_length(fields["description"], facts.limit("task_description_max_length"))
        fields["priority"].choices = facts.priority_choices()
        fields["priority"].initial = facts.default_priority
        fields["project"].choices = [(project.id, project.name) for project in projects]
        fields["assignee"].choices = [("", "Nobody")] + [(m.username, m.username) for m in members]

    def to_api(self) -> dict:
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "description": data["description"],
            "priority": data["priority"],
            "due_date": data["due_date"].isoformat() if data["due_date"] else None,
            "tags": split_tags(data["tags"]),
            "assignee": data["assignee"] or None,
        }
        if data["project"]:
            fields["project"] = data["project"]
        return fields

    @staticmethod
    def initial_from(task) -> dict:
        return {
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "due_date": task.due_date,
            "tags": ", ".join(task.tags),
            "project": task.project_id,
            "assignee": task.assignee or "",
        }


class TaskEditForm(TaskForm):
    completed = forms.BooleanField(required=False, label="Completed")
    # The version the user started from, so a concurrent change is noticed, not overwritten.
    etag = forms.CharField(required=False, widget=forms.HiddenInput)

    def to_api(self) -> dict:
        return {**super().to_api(), "completed": self.cleaned_data["completed"]}

    @staticmethod
    def initial_from(task, etag: str = "") -> dict:
        return {**TaskForm.initial_from(task), "completed": task.completed, "etag": etag}


def set_max_length(field: forms.Field, limit: int | None) -> None:
    """The API's limit as a browser hint (maxlength); the API still checks."""
    if limit:
        field.widget.attrs["maxlength"] = limit


def split_tags(value: str) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


class BulkForm(forms.Form):
    ACTIONS = [("complete", "Complete"), ("reopen", "Reopen"), ("delete", "Delete")]

    ids = forms.TypedMultipleChoiceField(required=False)
    action = forms.ChoiceField(choices=ACTIONS)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Any UUID is a valid choice; which ones are the user's is the API's business.
        self.fields["ids"].valid_value = _is_uuid

    def clean_ids(self):
        return list(dict.fromkeys(self.cleaned_data["ids"]))


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
