"""Counts a list can carry beside its page (``facets``), so a client that shows both makes one call.

``facets=stats,tags`` adds ``"facets": {"stats": ..., "tags": [...]}`` to
the list, the same objects GET /tasks/stats/ and GET /tags/ answer. They
count over the filters that ``facets_over`` names (a comma-separated list of
the list's own filter names; none: every task the caller can see), not over
the page's, because a sidebar counts the scope the user browses (a project,
their assignments) while the page narrows it (a status, a search).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from taskmanager.api.serializers import StatsOutputSerializer, TagOutputSerializer
from taskmanager.tasks import selectors
from taskmanager.tasks.filters import TaskFilter

FACETS = {
    "stats": lambda actor, filters: (
        StatsOutputSerializer(selectors.task_stats(actor=actor, filters=filters)).data
    ),
    "tags": lambda actor, filters: (
        TagOutputSerializer(selectors.tag_list(actor=actor, filters=filters), many=True).data
    ),
}
# The list's filters a facet may keep; the order of the list does not change a count.
COUNTABLE_FILTERS = tuple(name for name in TaskFilter.base_filters if name != "ordering")

PARAMETERS = [
    OpenApiParameter(
        "facets",
        OpenApiTypes.STR,
        description=f"Comma-separated: {', '.join(FACETS)}. Adds a 'facets' object with those counts.",
        pattern=f"^(?:{'|'.join(FACETS)})(?:,(?:{'|'.join(FACETS)}))*$",
    ),
    OpenApiParameter(
        "facets_over",
        OpenApiTypes.STR,
        description="Comma-separated names of this request's filters the facets count over "
        f"({', '.join(COUNTABLE_FILTERS)}); without it they count every task the caller can see. "
        "Ignored without facets.",
        pattern=f"^(?:{'|'.join(COUNTABLE_FILTERS)})(?:,(?:{'|'.join(COUNTABLE_FILTERS)}))*$",
    ),
]


def facets_for(request) -> dict | None:
    """The facets the request asks for, counted; None when it asks for none. Raises ValidationError."""
    params = request.query_params
    # Checked even when nothing is counted, so a bad value is never silently ignored.
    over = _names(params, "facets_over", COUNTABLE_FILTERS) if "facets_over" in params else []
    if "facets" not in params:
        # facets_over alone asks for nothing to count: answered without facets.
        return None
    names = _names(params, "facets", FACETS)
    filters = {name: params[name] for name in over if name in params}
    return {name: FACETS[name](request.user, filters) for name in names}


def _names(params, parameter: str, allowed) -> list[str]:
    names = params[parameter].split(",")
    unknown = [name for name in names if name not in allowed]
    if unknown or not params[parameter]:
        raise ValidationError({parameter: [f"Use one or more of {', '.join(allowed)}, comma-separated."]})
    return list(dict.fromkeys(names))
