"""Friendly error pages: the same look as the rest of the site, no stack traces."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template


def page_not_found(request, exception=None):
    return render(request, "ui/errors/404.html", status=404)


def bad_request(request, exception=None):
    return render(request, "ui/errors/400.html", status=400)


def server_error(request):
    # Rendered without the request: whatever broke may break the context processors too.
    return _plain("ui/errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "ui/errors/csrf.html", status=403)


def refused(request, *, message: str, status: int):
    return render(request, "ui/errors/refused.html", {"message": message, "status": status}, status=status)


def service_unavailable(request, *, retry_url: str):
    response = render(request, "ui/errors/unavailable.html", {"retry_url": retry_url}, status=503)
    response["Retry-After"] = "10"
    return response


def _plain(template_name: str, *, status: int):
    return HttpResponse(get_template(template_name).render(), status=status)
