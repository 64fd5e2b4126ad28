"""The OpenAPI schema: every error answer, with the one error shape, and the rules of each input.

One place adds to every operation the errors it can answer, each with the
``Error`` component (taskmanager.api.errors makes them all), derived from
what the operation takes: a body, query parameters, a path id, If-Match,
credentials, a throttle. Input objects refuse unknown properties (as
StrictSerializer does) and state the rules their fields document.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework.authentication import SessionAuthentication

from taskmanager.api.serializers import ErrorSerializer, StrictSerializer

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["schema"].get("type") == "array":
                # Comma-separated query lists refuse an empty one (filters.NonEmptyCSVField).
                parameter["schema"]["minItems"] = 1
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status, (description, headers) in sorted(self._errors(operation).items()):
            documented = responses.get(status, {})
            responses[status] = {
                "description": documented.get("description") or description,
                **({"headers": headers} if headers else {}),
                "content": {"application/json": {"schema": error}},
            }
        return operation

    def _errors(self, operation) -> dict[str, tuple[str, dict]]:
        parameters = operation.get("parameters", [])
        errors = {
            "406": ("No acceptable representation for the Accept header.", {}),
            "500": ("The server failed; the error is logged with the request id.", {}),
            "503": (
                "The database is unreachable; retry after Retry-After seconds.",
                {"Retry-After": {**_RETRY_AFTER, "required": True}},
            ),
        }
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            errors["400"] = ("Malformed JSON or invalid fields (each named in `fields`).", {})
        if "requestBody" in operation:
            errors["413"] = ("The body is larger than the server accepts.", {})
            errors["415"] = ("The body is not JSON.", {})
        authenticators = self.view.get_authenticators()
        if authenticators:
            errors["401"] = ("Missing, invalid or expired credentials.", {})
        if self.method in _UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            errors["403"] = ("A session-authenticated write without a valid CSRF token.", {})
        if any(p["in"] == "path" for p in parameters):
            errors["404"] = ("No such resource of the caller's (another user's is not found either).", {})
        if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
            errors["412"] = (
                "If-Match names a version that is no longer current; ETag has the current one.",
                {},
            )
        # Login and sign-up limits (accounts/limits.py) are not DRF throttles;
        # those views declare their 429 with extend_schema.
        if self.view.get_throttles() or "429" in operation["responses"]:
            errors["429"] = (
                "Too many attempts; retry after Retry-After seconds.",
                {"Retry-After": {**_RETRY_AFTER, "required": False}},
            )
        # Codes a view declares itself (with extend_schema) keep their description.
        for code in operation["responses"]:
            if code >= "400" and code not in errors:
                errors[code] = ("", {})
        return errors

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
            for name in sorted(serializer.ignored_fields - set(schema["properties"])):
                schema["properties"][name] = {"description": "Read-only: accepted and ignored."}
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        for keyword, value in getattr(field, "schema_rules", {}).items():
            if value is None:
                schema.pop(keyword, None)
            else:
                schema[keyword] = value
