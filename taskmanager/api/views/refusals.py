"""The schema's statement of the domain's refusals in a project (projects.access)."""

from drf_spectacular.utils import OpenApiResponse

from taskmanager.api.serializers import ErrorSerializer

PROJECT_REFUSALS = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="Your role in the project does not allow this; the message names the role needed.",
    ),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The change contradicts the project's state (archived, the Inbox, its last owner).",
    ),
}
