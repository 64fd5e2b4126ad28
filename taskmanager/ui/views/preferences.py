"""The user's settings: their time zone and whether reminders come by email (PATCH /api/v1/me/)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from taskmanager.ui.api_client import ApiValidationError
from taskmanager.ui.forms import PreferencesForm, apply_api_errors
from taskmanager.ui.meta import facts_for
from taskmanager.ui.session import api_for, login_required, remember_time_zone
from taskmanager.ui.views.common import render_page


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    api = api_for(request)
    me = api.me()
    remember_time_zone(request, me["time_zone"])
    zones = facts_for(request).time_zones
    if request.method == "GET":
        form = PreferencesForm(initial=me, time_zones=zones)
        return _page(request, form, me)
    form = PreferencesForm(request.POST, time_zones=zones)
    if form.is_valid():
        try:
            saved = api.me_update(form.to_api())
        except ApiValidationError as error:
            apply_api_errors(form, error)
        else:
            remember_time_zone(request, saved["time_zone"])
            messages.success(request, "Settings saved.")
            return redirect(reverse("ui:settings"))
    return _page(request, form, me, status=400)


def _page(request, form, me, *, status=200):
    # Until the user has chosen, the page offers the browser's zone (static/ui/settings.js).
    context = {"form": form, "suggest_browser_zone": not me["time_zone_chosen"]}
    return render_page(request, "ui/settings.html", context, status=status)
