"""The database, whichever component provides it (kustomize/components):
the API waits for the host it then connects to, takes its credentials from a
Secret as a file, and only the intended peers reach the database.

CloudNativePG's instance pods and `<cluster>-app` Secret, and the Secrets the
user creates, are not rendered; made_elsewhere models them after the
operator's documented behaviour.
"""

import re
from urllib.parse import urlparse

import pytest

from tests.deploy.made_elsewhere import CNPG_OPERATOR, USER_SECRETS, referenced_secrets
from tests.deploy.manifests import (
    ROOT,
    all_containers,
    container_environment,
    is_app_image,
    mounted_secret_file,
    pod_spec,
    secret_volume_names,
)
from tests.deploy.network import allowed, database_pods, host, pod_in, policies
from tests.deploy.test_policies import API, UI, WORKER

DOCS = ROOT / "docs" / "PRODUCTION.md"
CNPG = "postgresql.cnpg.io/v1"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"


def namespace_of(rendering) -> str:
    """The application's namespace (kind-monitoring renders `monitoring` too)."""
    return rendering.workload(API)["metadata"]["namespace"]


def cluster_of(rendering) -> dict:
    (cluster,) = rendering.custom_resources(CNPG, "Cluster")
    return cluster


def database_steps(rendering) -> list[tuple[dict, dict]]:
    """(workload, container) for every container that connects to the
    database: the API's and the worker's (their image's)."""
    return [
        (workload, container)
        for workload in (rendering.workload(API), rendering.workload(WORKER))
        for container in all_containers(workload)
        if is_app_image(container["image"])
    ]


# --- every database ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, steps",
    [
        (API, ["wait-for-database", "migrate", "ensure-admin"]),
        (WORKER, ["wait-for-database", "wait-for-migrations"]),
    ],
)
def test_each_role_with_a_database_waits_for_the_one_it_then_connects_to(rendering, name, steps):
    workload = rendering.workload(name)
    init = pod_spec(workload)["initContainers"]
    assert [c["name"] for c in init] == steps
    wait = container_environment(rendering, workload, init[0])
    # pg_isready reads PGHOST, PGPORT, PGUSER, PGDATABASE; nothing on its command line.
    assert "pg_isready" in init[0]["command"][-1] and "--host" not in init[0]["command"][-1]
    assert not init[0].get("volumeMounts"), "a ping needs no credentials"
    for owner, container in database_steps(rendering):
        if owner is not workload:
            continue
        url = urlparse(container_environment(rendering, workload, container)["DATABASE_URL"])
        assert url.hostname in (wait["PGHOST"], f"{wait['PGHOST']}.{namespace_of(rendering)}"), container[
            "name"
        ]
        assert (url.port or 5432) == int(wait["PGPORT"])
        assert (url.username, url.path.lstrip("/")) == (wait["PGUSER"], wait["PGDATABASE"])


def test_the_worker_connects_to_the_database_the_api_migrates(rendering):
    """One database for both: the worker's jobs are the rows the API's
    requests defer, in the schema its migrate step applies."""
    api, worker = rendering.workload(API), rendering.workload(WORKER)
    (api_main,), (worker_main,) = pod_spec(api)["containers"], pod_spec(worker)["containers"]
    urls = {
        urlparse(container_environment(rendering, w, c)["DATABASE_URL"])._replace(query="")
        for w, c in ((api, api_main), (worker, worker_main))
    }
    assert len(urls) == 1, urls


def test_every_secret_a_pod_or_resource_names_exists_or_is_documented(rendering):
    """Rendered, made by the operator, or one the user creates and the docs list;
    a pod whose Secret nobody makes waits forever."""
    known = {s["metadata"]["name"] for s in rendering.secrets()}
    assert referenced_secrets(rendering.objects) <= known
    documented = DOCS.read_text()
    for secret in rendering.cluster_secrets:
        name = secret["metadata"]["name"]
        if name in USER_SECRETS:
            assert f"`{name}`" in documented, f"{name} is not in docs/PRODUCTION.md"


def test_a_database_url_file_is_mounted_only_where_the_database_is_used(rendering):
    """In the API's and the worker's steps that connect, and nowhere else."""
    api = rendering.workload(API)
    environment = container_environment(rendering, api, pod_spec(api)["containers"][0])
    if "DATABASE_URL_FILE" not in environment:
        return  # kind's DATABASE_URL is in the API's env file (TASKMANAGER_ENV_FILE)
    secret_name, key = mounted_secret_file(
        api, pod_spec(api)["containers"][0], environment["DATABASE_URL_FILE"]
    )
    for workload in rendering.workloads():
        carrying = secret_volume_names(workload, secret_name)
        for volume in pod_spec(workload).get("volumes", []):
            if volume["name"] in carrying:
                # Only the URL's key: the Secret's other keys repeat the password.
                assert volume["secret"]["items"] == [{"key": key, "path": key}]
        for container in all_containers(workload):
            mounts = [m for m in container.get("volumeMounts", []) if m["name"] in carrying]
            expected = any(w is workload and c is container for w, c in database_steps(rendering))
            assert bool(mounts) is expected, (workload["metadata"]["name"], container["name"])
            assert all(m["readOnly"] for m in mounts)


# --- CloudNativePG -----------------------------------------------------------------


def test_cloudnative_pg_writes_to_the_primary_and_reads_from_the_standbys(cloudnative_pg):
    cluster, api = cluster_of(cloudnative_pg), cloudnative_pg.workload(API)
    name = cluster["metadata"]["name"]
    environment = container_environment(cloudnative_pg, api, pod_spec(api)["containers"][0])
    secret_name, key = mounted_secret_file(
        api, pod_spec(api)["containers"][0], environment["DATABASE_URL_FILE"]
    )
    assert (secret_name, key) == (f"{name}-app", "uri")
    assert urlparse(environment["DATABASE_URL"]).hostname.split(".")[0] == f"{name}-rw"
    assert environment["DATABASE_REPLICA_HOST"] == f"{name}-ro"
    assert "DATABASE_REPLICA_URL" not in environment


def test_cloudnative_pg_survives_an_instance_and_archives_everything(cloudnative_pg):
    spec = cluster_of(cloudnative_pg)["spec"]
    assert spec["instances"] >= 2
    assert spec["affinity"]["enablePodAntiAffinity"] is True
    assert spec["primaryUpdateMethod"] == "switchover"
    assert spec["enableSuperuserAccess"] is False
    assert spec["postgresql"]["synchronous"]["number"] <= spec["instances"] - 1
    (plugin,) = spec["plugins"]
    assert (plugin["name"], plugin["isWALArchiver"]) == (BARMAN_PLUGIN, True)
    (store,) = cloudnative_pg.custom_resources("barmancloud.cnpg.io/v1", "ObjectStore")
    assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    assert store["spec"]["retentionPolicy"]
    credentials = store["spec"]["configuration"]["s3Credentials"]
    assert {credentials[k]["name"] for k in ("accessKeyId", "secretAccessKey")} == {
        "taskmanager-backup-credentials"
    }


def test_cloudnative_pg_takes_a_base_backup_every_night(cloudnative_pg):
    (backup,) = cloudnative_pg.custom_resources(CNPG, "ScheduledBackup")
    spec = backup["spec"]
    assert spec["cluster"]["name"] == cluster_of(cloudnative_pg)["metadata"]["name"]
    assert (spec["method"], spec["pluginConfiguration"]["name"]) == ("plugin", BARMAN_PLUGIN)
    _seconds, _minutes, hours, day, month, weekday = spec["schedule"].split()
    assert (day, month, weekday) == ("*", "*", "*") and hours.isdigit(), "once a day"
    assert spec["immediate"] is True


def test_production_runs_three_instances_on_a_pinned_postgresql_15(renderings):
    spec = cluster_of(renderings["production"])["spec"]
    assert spec["instances"] == 3
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:15\.\d+-standard-\w+", spec["imageName"])


def test_the_api_waits_with_the_image_the_database_runs(cloudnative_pg):
    (wait,) = [
        c
        for c in pod_spec(cloudnative_pg.workload(API))["initContainers"]
        if c["name"] == "wait-for-database"
    ]
    assert wait["image"] == cluster_of(cloudnative_pg)["spec"]["imageName"]


def test_the_operator_and_the_instances_reach_only_what_they_need(cloudnative_pg):
    rendering = cloudnative_pg
    primary, standby = database_pods(rendering)
    api, ui = rendering.workload(API), rendering.workload(UI)
    operator = pod_in(CNPG_OPERATOR["namespace"], CNPG_OPERATOR["labels"])
    for port in (8000, 5432):
        assert allowed(rendering, operator, primary, port)
        assert allowed(rendering, standby, primary, port)  # replication, instance managers
    assert not allowed(rendering, pod_in(CNPG_OPERATOR["namespace"], {"app": "other"}), primary, 8000)
    assert not allowed(rendering, api, primary, 8000)  # the status port is the operator's
    assert not allowed(rendering, ui, primary, 5432)
    # Out: the API server and the object store (HTTPS), DNS; no database protocol outside.
    for port in (443, 6443):
        assert allowed(rendering, primary, host("10.96.0.1"), port)
    assert allowed(rendering, primary, pod_in("kube-system", {"k8s-app": "kube-dns"}), 53)
    assert not allowed(rendering, primary, host("203.0.113.7"), 5432)
    assert not allowed(rendering, primary, pod_in("default"), 5432)


# --- a database outside the cluster ------------------------------------------------


def test_the_external_database_is_reached_at_its_address_and_port_only(external_database):
    rendering = external_database
    assert not database_pods(rendering)
    assert not rendering.custom_resources(CNPG, "Cluster")
    api, ui = rendering.workload(API), rendering.workload(UI)
    wait = container_environment(rendering, api, pod_spec(api)["initContainers"][0])
    port = int(wait["PGPORT"])
    (policy,) = [p for p in policies(rendering) if p["metadata"]["name"] == "taskmanager-api-to-database"]
    (rule,) = policy["spec"]["egress"]
    (peer,) = rule["to"]
    address = peer["ipBlock"]["cidr"].split("/")[0]
    assert allowed(rendering, api, host(address), port)
    assert not allowed(rendering, api, host(address), port + 1)
    assert not allowed(rendering, api, host("203.0.113.7"), port)
    assert not allowed(rendering, ui, host(address), port)
