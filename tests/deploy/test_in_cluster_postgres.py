"""The in-cluster PostgreSQL (components/in-cluster-postgres, the kind
overlay's database): one StatefulSet that keeps its data, has the password the
API uses, answers its probes the way the API needs, and calls nothing."""

from pathlib import Path
from urllib.parse import urlparse

from tests.deploy.manifests import container_environment, mounted_secret_file, pod_labels, pod_spec, selects
from tests.deploy.network import applies_to, policies
from tests.deploy.test_policies import API, DATABASE, service_url_target

SHM = "/dev/shm"


def test_the_api_reaches_postgres_with_the_password_postgres_was_given(in_cluster_postgres):
    rendering = in_cluster_postgres
    api = rendering.workload(API)
    environment = container_environment(rendering, api, pod_spec(api)["containers"][0])
    url = urlparse(environment["DATABASE_URL"])
    service, _ = service_url_target(rendering, environment["DATABASE_URL"])
    database = rendering.workload(DATABASE)
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(database))
    (postgres,) = pod_spec(database)["containers"]
    postgres_env = container_environment(rendering, database, postgres)
    assert url.username == postgres_env["POSTGRES_USER"]
    assert url.path.lstrip("/") == postgres_env["POSTGRES_DB"]
    secret_name, key = mounted_secret_file(database, postgres, postgres_env["POSTGRES_PASSWORD_FILE"])
    assert rendering.secret_data(secret_name)[key] == url.password


def test_pgdata_is_a_subfolder_of_the_data_volume(in_cluster_postgres):
    rendering = in_cluster_postgres
    database = rendering.workload(DATABASE)
    (postgres,) = pod_spec(database)["containers"]
    pgdata = Path(container_environment(rendering, database, postgres)["PGDATA"])
    claims = {t["metadata"]["name"] for t in database["spec"]["volumeClaimTemplates"]}
    (data_mount,) = [m for m in postgres["volumeMounts"] if m["name"] in claims]
    assert pgdata.parent == Path(data_mount["mountPath"])


def test_the_statefulset_governing_service_is_headless(in_cluster_postgres):
    database = in_cluster_postgres.workload(DATABASE)
    service = in_cluster_postgres.get("Service", database["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"


def test_postgres_is_ready_when_it_accepts_sessions_and_alive_while_it_listens(in_cluster_postgres):
    (container,) = pod_spec(in_cluster_postgres.workload(DATABASE))["containers"]
    for kind in ("startupProbe", "readinessProbe"):
        assert container[kind]["exec"]["command"][0] == "pg_isready"
    assert container["livenessProbe"]["tcpSocket"]["port"] == "postgresql"


def test_postgres_may_not_call_out(in_cluster_postgres):
    database = in_cluster_postgres.workload(DATABASE)
    for policy in policies(in_cluster_postgres):
        if applies_to(policy, database):
            assert not policy["spec"].get("egress"), policy["metadata"]["name"]


def test_postgres_keeps_its_data(in_cluster_postgres):
    database = in_cluster_postgres.workload(DATABASE)
    assert database["spec"]["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert database["spec"]["replicas"] == 1
    assert pod_spec(database)["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"


def test_postgres_shared_memory_is_a_bounded_memory_volume(in_cluster_postgres):
    database = in_cluster_postgres.workload(DATABASE)
    volumes = {v["name"]: v for v in pod_spec(database)["volumes"]}
    (container,) = pod_spec(database)["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == SHM]
    empty_dir = volumes[mount["name"]]["emptyDir"]
    assert empty_dir["medium"] == "Memory"
    # Memory-backed: it counts against the container's memory limit, so it must fit well inside it.
    assert _mebibytes(empty_dir["sizeLimit"]) <= _mebibytes(container["resources"]["limits"]["memory"]) / 2


def _mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    raise AssertionError(f"unexpected quantity {quantity}")
