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

# For an operation whose body may name a project (the path names none): one the
# caller is no member of is not found, as everywhere.
PROJECT_IN_BODY_REFUSALS = {
    **PROJECT_REFUSALS,
    404: OpenApiResponse(
        ErrorSerializer, description="The body names a project you are no member of, or no project at all."
    ),
}
