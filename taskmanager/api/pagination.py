import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

# ASCII digits only: int() would also read "+5", " 5" and other scripts' digits.
_WHOLE_NUMBER = re.compile(r"[0-9]+")


class TaskPagination(LimitOffsetPagination):
    """limit (1 or more; above max_limit reads as max_limit) and offset (0 or more).

    A value that is not such a number is a 400 naming it, not silently the default.
    """

    default_limit = 50
    max_limit = 200

    def get_limit(self, request):
        limit = self._number(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        offset = self._number(request, self.offset_query_param, minimum=0)
        return offset or 0

    @staticmethod
    def _number(request, name: str, *, minimum: int) -> int | None:
        if name not in request.query_params:
            return None
        raw = request.query_params[name]
        try:
            # int() refuses numbers of more than a few thousand digits (ValueError).
            value = int(raw) if _WHOLE_NUMBER.fullmatch(raw) else None
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise ValidationError({name: [f"Must be a whole number of at least {minimum}."]})
        return value

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        envelope["properties"]["facets"] = {
            "type": "object",
            "description": "Only with the facets parameter: the counts it names (api.facets).",
            "properties": {
                "stats": {"$ref": "#/components/schemas/StatsOutput"},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/TagOutput"}},
            },
        }
        return envelope

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1, default=self.default_limit)
        limit["description"] = f"Tasks per page; above {self.max_limit} reads as {self.max_limit}."
        offset["schema"].update(minimum=0, default=0)
        return [limit, offset]
