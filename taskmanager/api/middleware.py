"""Answers Django makes itself in the API role (redirects, 405s, CSRF refusals) in the API's error shape."""

from http import HTTPStatus

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware
from django.template.response import SimpleTemplateResponse
from django.utils.http import escape_leading_slashes
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response

from taskmanager.config.error_shape import error_body


class SlashRedirectMiddleware(CommonMiddleware):
    """APPEND_SLASH with 308 instead of 301, for every method.

    Clients follow a 301 to a POST with a GET, so ``POST /api/v1/tasks`` would
    silently list instead of create; a 308 keeps the method and the body.
    """

    def response_redirect_class(self, location):
        return HttpResponsePermanentRedirect(
            location,
            preserve_request=True,
            content=JsonResponse(
                error_body(
                    HTTPStatus.PERMANENT_REDIRECT,
                    "permanent_redirect",
                    "This path ends with a slash; repeat the request at the Location given.",
                )
            ).content,
            content_type="application/json",
        )

    def get_full_path_with_slash(self, request):
        # Django's version refuses POST/PUT/PATCH/DELETE in DEBUG, because a 301 loses the body.
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))


# Codes for the statuses Django answers on its own; the same words DRF uses.
_CODES = {
    HTTPStatus.BAD_REQUEST: "bad_request",
    HTTPStatus.FORBIDDEN: "permission_denied",
    HTTPStatus.NOT_FOUND: "not_found",
    HTTPStatus.METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "request_too_large",
}


class JsonErrorMiddleware:
    """A plain Django error answer (a view's 405, say) becomes the error shape; its headers stay.

    DRF's answers already have the shape (or are the browsable API's pages)
    and are left alone, as is anything already JSON, and a page rendered from
    a template (the admin's login form refusing a throttled login): a person
    reads that one. A DRF view whose only renderer is a page template (the
    docs page) answers its errors as bare text, so those get the shape too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or (isinstance(response, SimpleTemplateResponse) and not _error_text_of_a_page_view(response))
            or response.streaming
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = HTTPStatus(response.status_code)
        code = _CODES.get(status, status.phrase.lower().replace(" ", "_").replace("-", "_"))
        response.content = JsonResponse(error_body(status.value, code, f"{status.phrase}.")).content
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


def _error_text_of_a_page_view(response) -> bool:
    return isinstance(response, Response) and isinstance(
        getattr(response, "accepted_renderer", None), TemplateHTMLRenderer
    )
