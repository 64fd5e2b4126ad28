"""Keys the admin reads from a form are checked before they reach a query.

Django's admin passes posted ids straight into ``pk__in`` lookups: a selected
row's checkbox value in a changelist action, and the chosen value an
autocomplete widget redraws after a form error. An id the key field cannot
hold (``not-a-uuid`` for a task, ``\\x00`` for anything, as PostgreSQL refuses
a NUL) then raises inside the lookup, a 500. No row can have such a key, so
dropping it changes no result.
"""

from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def admin_key_is_valid(field, value) -> bool:
    """Whether ``value`` could be a stored value of the key ``field``."""
    if "\x00" in str(value):
        return False
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class _KnownKeysOnly:
    def optgroups(self, name, value, attr=None):
        key = self.field.target_field
        return super().optgroups(name, [v for v in value if admin_key_is_valid(key, v)], attr)


class CheckedAutocompleteSelect(_KnownKeysOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_KnownKeysOnly, AutocompleteSelectMultiple):
    pass


class CheckedKeysAdmin:
    """Mixed into every ModelAdmin the site registers (see LimitedAdminSite.register)."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        pk = self.model._meta.pk
        valid = [value for value in selected if admin_key_is_valid(pk, value)]
        if valid != selected:
            # Django reads the selection from request.POST itself; with none
            # left it shows its usual "Items must be selected" message.
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, valid)
            request.POST = post
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
