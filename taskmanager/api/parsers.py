"""JSON parsing with a size bound and a nesting bound.

DRF reads the request stream directly, past Django's own body-size check, so
the bound is applied here: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is
refused with 413 before it is parsed. A body nested deeper than
JSON_MAX_DEPTH is refused with 400 before it is parsed: the parser recurses
once per level and a 2 KB body could exhaust Python's recursion limit.
"""

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests more than three levels; 32 leaves room for
# any client's envelope without approaching the recursion limit.
JSON_MAX_DEPTH = 32

# A JSON string, or an unterminated one running to the end of the text (so that
# no quote is scanned twice and the scan stays linear on any input).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge()
        if stream is None:
            return super().parse(stream, media_type, parser_context)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if json_nests_deeper_than(_decoded(body, encoding), JSON_MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {JSON_MAX_DEPTH} levels.")
        return super().parse(io.BytesIO(body), media_type, parser_context)


def json_nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``limit`` (strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # the usual body: too few brackets to nest that deep
    brackets = _BRACKET.findall(_JSON_STRING.sub("", text))
    return max(accumulate(_DEPTH_STEP[bracket] for bracket in brackets), default=0) > limit


def _decoded(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise ParseError(f"JSON parse error - {error}") from None
