"""PostgreSQL's max_connections covers every connection the API and the
worker can hold at once, computed from each rendering's own manifests:

    API pods at once   the API autoscaler's maxReplicas
                       + the rollout's maxSurge (a new pod starts before an old one goes)
                       + one old pod still draining its requests while its
                         replacement already serves (DRAINING_PODS)
    per pod            SERVER_WORKERS x SERVER_THREADS: with persistent
                       connections (DB_CONN_MAX_AGE > 0) every request thread
                       keeps one per database it has used; the read replica's
                       alias connects to the standbys, which have the same limit
    worker pods        the worker's replicas + its rollout's maxSurge + one
                       old pod still finishing its job (DRAINING_PODS)
    per worker pod     WORKER_CONNECTIONS (taskmanager/jobs/worker.py: the job
                       queue's pool and LISTEN, the running job, a probe)
    needed             pods x per pod + worker pods x per worker pod
                       + OTHER_SESSIONS + superuser_reserved_connections

The init steps (wait-for-database, migrate, ensure-admin) use one connection
at a time before their pod serves, so they stay within that pod's share.
docs/KUBERNETES.md (The connection budget) shows the same arithmetic, and
this checks its table against the manifests. (A full server answers the API
with an immediate 503: tests/config/test_connection_limit.py.)
"""

import re

import pytest

from taskmanager.jobs.worker import WORKER_CONNECTIONS
from tests.deploy.manifests import RENDERINGS, ROOT, container_environment, pod_spec, rendering_database
from tests.deploy.test_policies import API, WORKER

# One old pod may still hold its connections while its replacement serves:
# it pauses 5 s before stopping (preStop) and then drains, while a new pod
# needs its init steps, startup probe and minReadySeconds before the next
# old one is stopped.
DRAINING_PODS = 1
# Besides the API: an administrator's psql sessions, a pg_dump, a monitoring
# agent, as the database owner (docs/KUBERNETES.md, The connection budget).
OTHER_SESSIONS = 5
# PostgreSQL's default, which the manifests must not rely on.
POSTGRESQL_DEFAULT = 100
DOCS = ROOT / "docs" / "KUBERNETES.md"
WITH_A_DATABASE = [n for n in RENDERINGS if rendering_database(n) != "external-database"]


def database_settings(rendering) -> dict[str, str]:
    """The server settings the manifests give PostgreSQL."""
    clusters = rendering.custom_resources("postgresql.cnpg.io/v1", "Cluster")
    if clusters:
        (cluster,) = clusters
        return cluster["spec"]["postgresql"]["parameters"]
    (container,) = pod_spec(rendering.workload("postgres"))["containers"]
    args = container["args"]
    assert args[0] == "postgres", args
    return dict(args[i + 1].split("=", 1) for i, arg in enumerate(args) if arg == "-c")


def budget(rendering) -> dict[str, int]:
    api = rendering.workload(API)
    environment = container_environment(rendering, api, pod_spec(api)["containers"][0])
    autoscaler = rendering.get("HorizontalPodAutoscaler", API)["spec"]
    surge = api["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    assert isinstance(surge, int), "a percentage would make the count depend on the replica count"
    settings = database_settings(rendering)
    pods = autoscaler["maxReplicas"] + surge + DRAINING_PODS
    per_pod = int(environment["SERVER_WORKERS"]) * int(environment["SERVER_THREADS"])
    reserved = int(settings["superuser_reserved_connections"])
    worker = rendering.workload(WORKER)["spec"]
    worker_surge = worker["strategy"]["rollingUpdate"]["maxSurge"]
    assert isinstance(worker_surge, int), "a percentage would make the count depend on the replica count"
    worker_pods = worker["replicas"] + worker_surge + DRAINING_PODS
    workers = worker_pods * WORKER_CONNECTIONS
    return {
        "max_replicas": autoscaler["maxReplicas"],
        "pods": pods,
        "per_pod": per_pod,
        "api": pods * per_pod,
        "worker_pods": worker_pods,
        "workers": workers,
        "reserved": reserved,
        "needed": pods * per_pod + workers + OTHER_SESSIONS + reserved,
        "max_connections": int(settings["max_connections"]),
        "persistent": int(environment.get("DB_CONN_MAX_AGE", "60")) > 0,
    }


@pytest.mark.parametrize("name", WITH_A_DATABASE)
def test_max_connections_covers_every_api_thread_at_the_autoscalers_maximum(renderings, name):
    numbers = budget(renderings[name])
    assert numbers["persistent"], "the budget assumes one connection per thread; check it again without"
    assert numbers["max_connections"] >= numbers["needed"], numbers
    # ...and the roles' share stays below what non-superusers may open.
    roles = numbers["api"] + numbers["workers"]
    assert roles + OTHER_SESSIONS <= numbers["max_connections"] - numbers["reserved"]


@pytest.mark.parametrize("name", WITH_A_DATABASE)
def test_the_limits_are_set_explicitly(renderings, name):
    settings = database_settings(renderings[name])
    assert {"max_connections", "superuser_reserved_connections"} <= set(settings)
    assert 0 < int(settings["superuser_reserved_connections"]) < int(settings["max_connections"])


def test_production_needs_more_than_postgresqls_default(renderings):
    """The reason the limit is set at all: 12 pods of 4 x 4 threads."""
    assert budget(renderings["production"])["api"] > POSTGRESQL_DEFAULT


def docs_table() -> dict[str, dict[str, str]]:
    """The budget table of docs/KUBERNETES.md: row label -> overlay -> cell."""
    section = DOCS.read_text().split("## The connection budget", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    table = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        table[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return table


@pytest.mark.parametrize("overlay", ["kind", "staging", "production"])
def test_the_documented_budget_is_the_manifests(renderings, overlay):
    numbers, table = budget(renderings[overlay]), docs_table()

    def cell(label: str) -> list[int]:
        return [int(n) for n in re.findall(r"\d+", table[label][overlay])]

    assert cell("API pods at once")[-1] == numbers["pods"]
    assert cell("connections per pod")[-1] == numbers["per_pod"]
    assert cell("the API at most")[-1] == numbers["api"]
    assert cell("worker pods at once")[-1] == numbers["worker_pods"]
    assert cell("the workers at most")[-1] == numbers["workers"]
    assert cell("other sessions")[-1] == OTHER_SESSIONS
    assert cell("`superuser_reserved_connections`")[-1] == numbers["reserved"]
    assert cell("needed")[-1] == numbers["needed"]
    assert cell("`max_connections`")[-1] == numbers["max_connections"]
