"""Form shapes of the UI. The API decides what is valid; its field errors are mapped back here."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from taskmanager.ui.api_client import ApiError

UTC = ZoneInfo("UTC")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = list(zip(WEEKDAY_CODES, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
# The presets that are one fixed rule; "weekly" and "monthly" take the due date's day.
PRESET_RULES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "yearly": "FREQ=YEARLY",
}
RULE_INPUT_ATTRS = {"placeholder": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "autocomplete": "off"}
REPEAT_CHOICES = [
    ("", "Does not repeat"),
    ("daily", "Daily"),
    ("weekdays", "Every weekday (Mon to Fri)"),
    ("weekly", "Weekly on…"),
    ("monthly", "Monthly on this day"),
    ("yearly", "Yearly"),
    ("custom", "Custom…"),
]


def apply_api_errors(form: forms.Form, error: ApiError, *, field_map: dict | None = None) -> None:
    """Show the API's field errors next to the matching fields, the rest above the form."""
    field_map = {**getattr(form, "API_FIELDS", {}), **(field_map or {})}
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
    due_time = forms.TimeField(
        required=False,
        label="Time",
        help_text="Optional; in your time zone. Without it the task is due all day.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    repeat = forms.ChoiceField(required=False, choices=REPEAT_CHOICES, label="Repeat")
    repeat_days = forms.MultipleChoiceField(
        required=False,
        choices=WEEKDAYS,
        label="On",
        help_text="For “Weekly on…”; the due date's weekday when none is ticked.",
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_rule = forms.CharField(
        required=False,
        label="Custom rule",
        help_text="For “Custom”: an RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=-1FR (the last Friday).",
        widget=forms.TextInput(
            attrs={"placeholder": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "autocomplete": "off"}
        ),
    )
    recur_from = forms.ChoiceField(
        required=False,
        label="Next date counts from",
    )
    tags = forms.CharField(
        required=False,
        help_text="Separate tags with commas, e.g. work, errands.",
        widget=forms.TextInput(attrs={"placeholder": "work, errands", "autocomplete": "off"}),
    )

    # The API's field names, on the form's fields that say them.
    API_FIELDS = {"due_at": "due_date", "recurrence": "repeat_rule"}

    def __init__(self, data=None, *, facts, projects=(), members=(), zone=UTC, **kwargs):
        super().__init__(data, **kwargs)
        self.zone = zone
        fields = self.fields
        set_max_length(fields["title"], facts.limit("task_title_max_length"))
        set_max_length(fields["description"], facts.limit("task_description_max_length"))
        fields["priority"].choices = facts.priority_choices()
        fields["priority"].initial = facts.default_priority
        fields["recur_from"].choices = facts.recur_from_choices()
        fields["project"].choices = [(project.id, project.name) for project in projects]
        fields["assignee"].choices = [("", "Nobody")] + [(m.username, m.username) for m in members]

    def to_api(self) -> dict:
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "description": data["description"],
            "priority": data["priority"],
            **due_fields(data["due_date"], data["due_time"], self.zone),
            "recurrence": recurrence_rule(data),
            "recur_from": data["recur_from"] or "due",
            "tags": split_tags(data["tags"]),
            "assignee": data["assignee"] or None,
        }
        if data["project"]:
            fields["project"] = data["project"]
        return fields

    @staticmethod
    def initial_from(task) -> dict:
        local = task.due_local
        return {
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "due_date": local.date() if local else task.due_date,
            "due_time": local.time() if local else None,
            **repeat_initial(task.recurrence),
            "recur_from": task.recur_from,
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


def due_fields(day, at, zone) -> dict:
    """A date alone is all day; a date and a time are an instant in the user's zone."""
    if day is None:
        return {"due_date": None, "due_at": None}
    if at is None:
        return {"due_date": day.isoformat(), "due_at": None}
    return {"due_date": None, "due_at": datetime.combine(day, at, tzinfo=zone).isoformat()}


def recurrence_rule(data: dict) -> str:
    """The RRULE a repeat choice stands for (the API checks it and says it in words)."""
    choice, day = data.get("repeat") or "", data.get("due_date")
    if choice == "weekly":
        days = data.get("repeat_days") or ([WEEKDAY_CODES[day.weekday()]] if day else [])
        ordered = [code for code in WEEKDAY_CODES if code in days]
        return "FREQ=WEEKLY" + (f";BYDAY={','.join(ordered)}" if ordered else "")
    if choice == "monthly":
        return "FREQ=MONTHLY" + (f";BYMONTHDAY={day.day}" if day else "")
    if choice == "custom":
        return (data.get("repeat_rule") or "").strip()
    return PRESET_RULES.get(choice, "")


def repeat_initial(rule: str) -> dict:
    """The form's repeat fields for a stored rule: a preset when it is one, else the custom text."""
    if not rule:
        return {"repeat": "", "repeat_days": [], "repeat_rule": ""}
    for choice, preset in PRESET_RULES.items():
        if rule == preset:
            return {"repeat": choice, "repeat_days": [], "repeat_rule": ""}
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if set(parts) == {"FREQ", "BYDAY"} and parts["FREQ"] == "WEEKLY":
        days = parts["BYDAY"].split(",")
        if set(days) <= set(WEEKDAY_CODES):
            return {"repeat": "weekly", "repeat_days": days, "repeat_rule": ""}
    if set(parts) == {"FREQ", "BYMONTHDAY"} and parts["FREQ"] == "MONTHLY":
        return {"repeat": "monthly", "repeat_days": [], "repeat_rule": ""}
    return {"repeat": "custom", "repeat_days": [], "repeat_rule": rule}


class PreferencesForm(forms.Form):
    time_zone = AnyChoiceField(label="Time zone", help_text="Due dates, times and “today” follow it.")
    email_reminders = forms.BooleanField(required=False, label="Send me reminders by email")

    def __init__(self, data=None, *, time_zones=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in time_zones]

    def to_api(self) -> dict:
        return {
            "time_zone": self.cleaned_data["time_zone"],
            "email_reminders": self.cleaned_data["email_reminders"],
        }


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
