"""Before measuring a dataset: both floors must answer the API's bytes for the same request.

A floor that answered less (a field missing, a tag unsorted, another
count) would be cheaper than the API for the wrong reason. Compared byte
for byte: the list at two page sizes and with an offset (its next and
previous links), the detail with its ETag, and the stats. The one
normalisation: the host in the list's links, which names each server's own
port.
"""

from bench.client import http_request
from bench.targets import FLOORS

PATHS = (
    "/api/v1/tasks/?limit=50",
    "/api/v1/tasks/?limit=100",
    "/api/v1/tasks/?limit=50&offset=50",
    "/api/v1/tasks/{id}/",
    "/api/v1/tasks/stats/",
)


def _answer(server, path: str, headers: dict) -> tuple[bytes, str | None]:
    status, answer_headers, body = http_request("GET", server.port, path, headers=headers)
    if status != 200:
        raise SystemExit(f"floor check: {server.name} answered {status} to GET {path}: {body[:300]!r}")
    etag = next((value for name, value in answer_headers if name.lower() == "etag"), None)
    return body.replace(f"127.0.0.1:{server.port}".encode(), b"127.0.0.1:PORT"), etag


def check_floors(servers: dict, api_headers: dict, task_id: str) -> dict:
    """Per path, the bytes compared; raises SystemExit naming the first difference."""
    checked = {}
    for template in PATHS:
        path = template.replace("{id}", task_id)
        expected, expected_etag = _answer(servers["api"], path, api_headers)
        for floor in FLOORS:
            body, etag = _answer(servers[floor], path, {})
            if body != expected or etag != expected_etag:
                at = next((i for i, (a, b) in enumerate(zip(body, expected, strict=False)) if a != b), None)
                at = min(len(body), len(expected)) if at is None else at
                raise SystemExit(
                    f"floor check: the {floor} floor's answer to GET {path} differs from the API's "
                    f"at byte {at} (ETag {etag} vs {expected_etag}):\n"
                    f"  API:   ...{expected[max(at - 80, 0) : at + 80]!r}\n"
                    f"  floor: ...{body[max(at - 80, 0) : at + 80]!r}"
                )
        checked[path] = len(expected)
    return {"identical_bytes": checked, "normalised": "host:port in the list's next/previous links"}
