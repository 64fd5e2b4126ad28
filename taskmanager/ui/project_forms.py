"""Forms of projects and their members. The choices and limits come from the API (meta.py)."""

from django import forms

from taskmanager.ui.forms import set_max_length

DEFAULT_COLOR = "slate"
DEFAULT_NEW_MEMBER_ROLE = "editor"


class ProjectForm(forms.Form):
    """Name, colour and description; an Inbox keeps its name, so its form has none."""

    name = forms.CharField(required=False, strip=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    color = forms.ChoiceField(label="Colour", widget=forms.RadioSelect)
    description = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3}))
    # The version the owner started from, so a concurrent change is noticed, not overwritten.
    etag = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, facts, inbox: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        if inbox:
            del self.fields["name"]
        else:
            set_max_length(self.fields["name"], facts.limit("project_name_max_length"))
        set_max_length(self.fields["description"], facts.limit("project_description_max_length"))
        self.fields["color"].choices = facts.color_choices()
        colors = facts.colors
        self.fields["color"].initial = DEFAULT_COLOR if DEFAULT_COLOR in colors else (colors or [""])[0]

    def to_api(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("name", "color", "description") if name in self.fields
        }

    @staticmethod
    def initial_from(project, etag: str = "") -> dict:
        return {
            "name": project.name,
            "color": project.color,
            "description": project.description,
            "etag": etag,
        }


class MemberAddForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    role = forms.ChoiceField()

    def __init__(self, data=None, *, facts, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["role"].choices = facts.role_choices()
        roles = facts.roles
        self.fields["role"].initial = DEFAULT_NEW_MEMBER_ROLE if DEFAULT_NEW_MEMBER_ROLE in roles else None


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, data=None, *, facts, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["role"].choices = facts.role_choices()
