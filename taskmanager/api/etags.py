"""HTTP's entity tags for versioned objects (tasks, projects): the one place
that writes them and reads If-Match and If-None-Match.

The domain knows only versions: a write takes the versions the caller expects
and raises VersionConflict with the current one.
"""

import re

from django.utils.cache import patch_vary_headers
from rest_framework.response import Response

# One entity-tag of an If-Match or If-None-Match list: an optional weak marker and a quoted value.
_ENTITY_TAG = re.compile(r'(W/)?("[^"]*")')


def etag(object_id, version) -> str:
    """The strong ETag of one version of an object."""
    return f'"{object_id.hex}-{version}"'


def version_from_etag(object_id, tag: str) -> int | None:
    """The version an ``etag`` of this object names, or None for any other tag."""
    prefix = f'"{object_id.hex}-'
    digits = tag.removeprefix(prefix).removesuffix('"')
    if not (tag.startswith(prefix) and tag.endswith('"')) or not _is_version_number(digits):
        return None
    return int(digits)


def _is_version_number(digits: str) -> bool:
    # Bounded by the column's range, and short enough that int() never refuses it.
    return 0 < len(digits) <= 10 and digits.isascii() and digits.isdigit()


def if_match_versions(request, object_id) -> frozenset[int] | None:
    """The versions of the object that If-Match accepts, or None when it sets no condition.

    If-Match compares strongly (RFC 9110, 13.1.1): a weak tag matches nothing,
    nor does a tag of another object or one this API never issued.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = (version_from_etag(object_id, tag) for weak, tag in _ENTITY_TAG.findall(header) if not weak)
    return frozenset(version for version in versions if version is not None)


def if_none_match_includes(request, tag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110, 13.1.2): W/"x" and "x" are the same tag."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    return header.strip() == "*" or tag in {found for _weak, found in _ENTITY_TAG.findall(header)}


def with_etag(response, object_id, version):
    """The response, carrying the object's ETag; answers vary by who asks."""
    response["ETag"] = etag(object_id, version)
    patch_vary_headers(response, ["Authorization"])
    return response


def versioned_response(serializer_class, row: dict, *, status: int = 200, location: str | None = None):
    """One versioned object (a row with "id" and "version") as ``serializer_class`` shows it,
    with its ETag, and with ``location`` when it was just created."""
    response = with_etag(Response(serializer_class(row).data, status=status), row["id"], row["version"])
    if location is not None:
        response["Location"] = location
    return response
