"""The shared store the login limits count in: one Redis that every API pod
and worker adds to, reachable only from the API, run as restricted as the rest.

Why Redis and not Django's database cache: tests/accounts/test_shared_counts.py
shows the database cache losing increments that race, and Redis losing none.
"""

from urllib.parse import urlparse

from tests.deploy.manifests import container_environment, pod_labels, pod_spec, selects
from tests.deploy.network import allowed, database_pods
from tests.deploy.test_policies import API, UI, service_url_target

REDIS = "taskmanager-redis"
REDIS_PORT = 6379
REDIS_UID = 10003


def api_environment(rendering) -> dict[str, str]:
    api = rendering.workload(API)
    return container_environment(rendering, api, pod_spec(api)["containers"][0])


def redis_args(rendering) -> list[str]:
    (container,) = pod_spec(rendering.workload(REDIS))["containers"]
    return container["command"] + container.get("args", [])


def option(args: list[str], name: str) -> str:
    return args[args.index(f"--{name}") + 1]


def test_the_api_counts_its_limits_in_the_redis_service(rendering):
    url = api_environment(rendering)["CACHE_URL"]
    assert urlparse(url).scheme == "redis"
    service, port = service_url_target(rendering, url)
    assert port == REDIS_PORT
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(rendering.workload(REDIS)))
    # A Redis that hangs must not hang every login with it: the counts are
    # skipped (accounts/limits.py) once these run out.
    query = dict(part.split("=") for part in urlparse(url).query.split("&"))
    assert float(query["socket_connect_timeout"]) <= 1
    assert float(query["socket_timeout"]) <= 1


def test_only_the_api_reaches_redis(rendering):
    api, ui, redis = (rendering.workload(n) for n in (API, UI, REDIS))
    databases = database_pods(rendering)
    assert allowed(rendering, api, redis, REDIS_PORT)
    assert not allowed(rendering, ui, redis, REDIS_PORT)
    for database in databases:
        assert not allowed(rendering, database, redis, REDIS_PORT)
    assert not allowed(rendering, None, redis, REDIS_PORT)
    for target in (api, ui, *databases):
        assert not allowed(rendering, redis, target, 8000)
        assert not allowed(rendering, redis, target, 5432)


def test_redis_keeps_nothing_and_evicts_before_it_fills(rendering):
    """A cache of counters: nothing on disk, a memory ceiling below the container's limit."""
    args = redis_args(rendering)
    assert option(args, "save") == ""
    assert option(args, "appendonly") == "no"
    assert option(args, "maxmemory-policy") in {"allkeys-lru", "volatile-lru", "volatile-ttl"}
    maxmemory = option(args, "maxmemory")
    assert maxmemory.endswith("mb")
    (container,) = pod_spec(rendering.workload(REDIS))["containers"]
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi") and int(maxmemory[:-2]) <= int(limit[:-2]) / 2
    redis = rendering.workload(REDIS)
    assert redis["kind"] == "Deployment" and redis["spec"]["replicas"] == 1
    assert not redis["spec"].get("volumeClaimTemplates")
    for volume in pod_spec(redis)["volumes"]:
        assert "persistentVolumeClaim" not in volume


def test_redis_runs_restricted_under_a_fixed_high_uid(rendering):
    redis = rendering.workload(REDIS)
    spec = pod_spec(redis)
    security = spec["securityContext"]
    assert security["runAsNonRoot"] is True
    assert (security["runAsUser"], security["runAsGroup"]) == (REDIS_UID, REDIS_UID)
    assert security["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # The image's entry point is bypassed: it would try to change owners and load modules.
    assert container["command"][0] == "redis-server"
    volumes = {v["name"]: v for v in spec["volumes"]}
    (data,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/data"]
    assert volumes[data["name"]]["emptyDir"]["sizeLimit"]


def test_redis_is_ready_when_it_answers_and_alive_while_it_listens(rendering):
    (container,) = pod_spec(rendering.workload(REDIS))["containers"]
    assert container["readinessProbe"]["exec"]["command"][:1] == ["redis-cli"]
    assert "ping" in container["readinessProbe"]["exec"]["command"]
    assert container["livenessProbe"]["tcpSocket"]["port"] == "redis"
