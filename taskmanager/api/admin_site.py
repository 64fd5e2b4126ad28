"""The admin site: /admin/login/ checks passwords through the same service and limits as the API."""

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import JsonResponse

from taskmanager.accounts.limits import HashingBusy, Limited
from taskmanager.accounts.services import InvalidCredentials, user_authenticate
from taskmanager.api.admin_keys import CheckedKeysAdmin
from taskmanager.config.client_address import client_address


@dataclass(frozen=True)
class Refusal:
    status: int
    retry_after: int


class LimitedAdminLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        # Names are matched whatever their case; only the password is case-sensitive.
        "invalid_login": "Please enter the correct %(username)s and password for a staff account. "
        "The password is case-sensitive.",
    }

    refusal: Refusal | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = user_authenticate(
                    username=username,
                    password=password,
                    client=client_address(self.request),
                    request=self.request,
                )
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            except Limited as refusal:
                self.refusal = Refusal(429, refusal.retry_after)
                raise ValidationError(
                    f"{refusal} Try again in {_duration(refusal.retry_after)}.", code="throttled"
                ) from None
            except HashingBusy as busy:
                self.refusal = Refusal(503, busy.retry_after)
                raise ValidationError(
                    "The server is busy checking other passwords. Try again in a moment.", code="busy"
                ) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LimitedAdminSite(admin.AdminSite):
    login_form = LimitedAdminLoginForm

    def register(self, model_or_iterable, admin_class=None, **options):
        # Here rather than in each admin class, so the ones Django registers
        # itself (users, groups) get the checks too.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedKeysAdmin):
            admin_class = type(
                admin_class.__name__,
                (CheckedKeysAdmin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        # PostgreSQL refuses a NUL in a query (a 500), and no stored name can
        # hold one (every text input refuses it), so such a term finds nothing.
        if "\x00" in request.GET.get("term", ""):
            return JsonResponse({"results": [], "pagination": {"more": False}})
        return super().autocomplete_view(request)

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        refusal = getattr(form, "refusal", None)
        if refusal is not None:
            # The page still shows the form with the message; the status and
            # Retry-After tell scripts and monitoring what happened.
            response.status_code = refusal.status
            response["Retry-After"] = str(refusal.retry_after)
        return response


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"
