"""What the benchmark drives: one target per server and request, and how requests are filled in.

Every API read and write has the same request on both floors (same kind),
so each API target is reported as a ratio to the raw floor and to the
Django floor. Run order within a dataset: reads, then writes, create last
because every POST adds a row.
"""

import json
from dataclasses import dataclass

from bench.goals import UI_BASELINE_COMMIT

# bench/seed.py removes the rows with this title before each dataset.
CREATED_TITLE = "Created under load"
PATCH_BODY = json.dumps({"title": "Edited under load", "priority": "high", "tags": ["bench", "urgent"]})
CREATE_BODY = json.dumps({"title": CREATED_TITLE, "priority": "high", "tags": ["bench", "work"]})
# Five tasks a request, completed on one pass over the ids and reopened on the next.
BULK_IDS = 5
BULK_BODY = json.dumps({"ids": ["{id}"] * BULK_IDS, "action": "{action}"})
BULK_ACTIONS = ("complete", "reopen")

FLOORS = ("raw", "django")
SERVER_LABELS = {
    "raw": "raw floor",
    "django": "Django floor",
    "api": "API",
    "ui": "UI",
    "baseline_ui": f"UI at {UI_BASELINE_COMMIT}",
}
# A page's server and the API it calls (bench/baseline.py starts the earlier commit's pair).
PAGE_SERVERS = {"ui": ("ui", "api"), "baseline_ui": ("baseline_ui", "baseline_api")}


@dataclass(frozen=True)
class Request:
    kind: str
    label: str
    method: str
    path: str
    body: str = ""

    @property
    def writes(self) -> bool:
        return self.method != "GET"


REQUESTS = [
    Request("list_100", "list (limit=100)", "GET", "/api/v1/tasks/?limit=100"),
    Request("list_50", "list (limit=50)", "GET", "/api/v1/tasks/?limit=50"),
    Request("detail", "detail", "GET", "/api/v1/tasks/{id}/"),
    Request("stats", "stats", "GET", "/api/v1/tasks/stats/"),
    Request("patch", "PATCH", "PATCH", "/api/v1/tasks/{id}/", PATCH_BODY),
    Request("bulk", "bulk complete/reopen", "POST", "/api/v1/tasks/bulk/", BULK_BODY),
    Request("create", "create", "POST", "/api/v1/tasks/", CREATE_BODY),
]
UI_LIST = Request("ui_list_50", "list page (50/page)", "GET", "/?per_page=50")


@dataclass(frozen=True)
class Target:
    server: str
    request: Request

    @property
    def name(self) -> str:
        if self.is_page:  # ui_list_50, baseline_ui_list_50
            return self.request.kind if self.server == "ui" else f"baseline_{self.request.kind}"
        return f"{self.server}_{self.request.kind}"

    @property
    def is_page(self) -> bool:
        return self.server in PAGE_SERVERS

    @property
    def label(self) -> str:
        return f"{SERVER_LABELS[self.server]} {self.request.label}"

    @property
    def roles(self) -> tuple[str, ...]:
        """The servers whose processes work for this target."""
        return PAGE_SERVERS.get(self.server, (self.server,))

    def floor(self, floor: str) -> str:
        return f"{floor}_{self.request.kind}"


def _targets() -> list[Target]:
    reads = [r for r in REQUESTS if not r.writes]
    writes = [r for r in REQUESTS if r.writes]
    ordered = [Target(server, r) for r in reads for server in (*FLOORS, "api")]
    ordered += [Target("ui", UI_LIST), Target("baseline_ui", UI_LIST)]
    return ordered + [Target(server, r) for r in writes for server in (*FLOORS, "api")]


TARGETS = _targets()


def by_request(targets: list[Target]) -> list[list[Target]]:
    """The targets in run order, those of one request together: they are measured side by side."""
    groups: list[list[Target]] = []
    for target in targets:
        if groups and groups[-1][0].request == target.request:
            groups[-1].append(target)
        else:
            groups.append([target])
    return groups


def has_placeholders(path: str, body: str) -> bool:
    return "{id}" in path or "{id}" in body or "{action}" in body


def fill(path: str, body: str, ids: list[str], index: int) -> tuple[str, str]:
    """Request ``index``'s path and body: ``{id}`` in the path takes the index-th id; each ``{id}``
    in the body the next of a run of ids, and ``{action}`` alternates each pass over the ids.
    bench/wrk/request.lua does the same per wrk thread."""
    if "{id}" in path:
        path = path.replace("{id}", ids[index % len(ids)])
    per_request = body.count("{id}")
    if per_request:
        first = index * per_request
        for offset in range(per_request):
            body = body.replace("{id}", ids[(first + offset) % len(ids)], 1)
        body = body.replace("{action}", BULK_ACTIONS[(first // len(ids)) % len(BULK_ACTIONS)])
    return path, body
