"""What the pods rely on that the manifests do not render, modelled for the tests.

Two kinds of objects exist in a cluster without being in the rendered YAML:

- what an operator makes from a custom resource: CloudNativePG turns a
  `Cluster` into instance pods (labelled `cnpg.io/cluster=<name>`) and the
  Secret `<name>-app` with the database owner's credentials;
- the Secrets the user creates before the first sync in the overlays that
  generate none (staging, production: Argo CD renders from git, which holds
  no secret), listed in docs/PRODUCTION.md.

The models follow the operator's documented behaviour (sources below), with
throwaway values, so that the rules the tests check (every setting present,
no secret outside a Secret, network policies) cover these objects too.
"""

import base64
import secrets
from urllib.parse import quote

CNPG_GROUP = "postgresql.cnpg.io/v1"
# CloudNativePG's instance pods and the ports they declare (CloudNativePG 1.30,
# docs "Security", Exposed Ports: postgresql 5432, status 8000, metrics 9187).
CNPG_PORTS = {"postgresql": 5432, "status": 8000, "metrics": 9187}
# Where the operator runs and how its pod is labelled (its manifests and Helm chart).
CNPG_OPERATOR = {"namespace": "cnpg-system", "labels": {"app.kubernetes.io/name": "cloudnative-pg"}}
# The URL the example in components/external-database puts in taskmanager-database-url.
EXTERNAL_DATABASE = "db.example.internal:5432/taskmanager?sslmode=require"
# The SMTP server of the example in components/external-smtp's taskmanager-email.
EXTERNAL_SMTP = "smtp.example.com:587"


def token(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def env_file(values: dict[str, str]) -> str:
    return "".join(f"{name}={value}\n" for name, value in values.items())


# The Secrets the user creates in staging and production (docs/PRODUCTION.md,
# Secrets in staging and production), as Secret name -> key -> throwaway content.
USER_SECRETS = {
    "taskmanager-api-secrets": lambda: {
        "env": env_file({"SECRET_KEY": token("sk"), "TASKMANAGER_FORWARDING_SECRET": token("fw")})
    },
    "taskmanager-ui-secrets": lambda: {
        "env": env_file({"SECRET_KEY": token("sk"), "TASKMANAGER_FORWARDING_SECRET": token("fw")})
    },
    "taskmanager-admin-password": lambda: {"password": token("ap")},
    "taskmanager-backup-credentials": lambda: {
        "ACCESS_KEY_ID": token("AK"),
        "ACCESS_SECRET_KEY": token("as"),
    },
    "taskmanager-database-url": lambda: {
        "url": f"postgres://taskmanager:{token('pw')}@{EXTERNAL_DATABASE}",
    },
    "taskmanager-email": lambda: {
        "url": f"smtp+tls://taskmanager:{token('sm')}@{EXTERNAL_SMTP}",
    },
}


def cnpg_clusters(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["apiVersion"] == CNPG_GROUP and o["kind"] == "Cluster"]


def cnpg_app_secret(cluster: dict) -> dict:
    """The `<cluster>-app` Secret the operator generates for the database owner.

    Its keys and their form are the operator's (pkg/specs/secrets.go,
    CreateSecret): `uri` is postgresql://owner:password@<cluster>-rw.<namespace>:5432/database.
    """
    name, namespace = cluster["metadata"]["name"], cluster["metadata"]["namespace"]
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    owner, database, password = initdb["owner"], initdb["database"], token("cnpg")
    host = f"{name}-rw"
    uri = f"postgresql://{quote(owner)}:{quote(password)}@{host}.{namespace}:5432/{database}"
    data = {
        "username": owner,
        "user": owner,
        "password": password,
        "dbname": database,
        "host": host,
        "port": "5432",
        "pgpass": f"{host}:5432:{database}:{owner}:{password}\n",
        "uri": uri,
        "jdbc-uri": f"jdbc:postgresql://{host}.{namespace}:5432/{database}?password={password}&user={owner}",
        "fqdn-uri": uri.replace(f".{namespace}:", f".{namespace}.svc.cluster.local:"),
    }
    made = secret(f"{name}-app", namespace, data)
    made["metadata"]["labels"] = {"cnpg.io/userType": "app", "cnpg.io/cluster": name}
    return made


def secret(name: str, namespace: str, data: dict[str, str]) -> dict:
    """A Secret as the API server would hold it (values base64-encoded)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
    }


def sensitive_values(made: dict, data: dict[str, str]) -> list[str]:
    """The values of a made Secret that must appear nowhere else: an env file's
    values, the password of an operator's credentials, any other key whole."""
    if made["metadata"].get("labels", {}).get("cnpg.io/userType"):
        return [data["password"]]
    values = []
    for key, value in data.items():
        if key == "env":
            values += [line.split("=", 1)[1] for line in value.splitlines() if "=" in line]
        else:
            values.append(value.strip())
    return values


def modeled_pod(name: str, namespace: str, labels: dict, ports: dict[str, int]) -> dict:
    """A pod an operator creates, shaped like a workload so the pod helpers
    (pod_labels, container_ports, resolve_port) read it."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "postgres",
                            "ports": [{"name": n, "containerPort": p} for n, p in ports.items()],
                        }
                    ]
                },
            }
        },
    }


def cnpg_instance_pods(cluster: dict) -> list[dict]:
    """The primary and a standby of a Cluster, labelled as the operator labels
    them (docs "Labels and annotations": cnpg.io/cluster, cnpg.io/instanceName,
    cnpg.io/podRole, cnpg.io/instanceRole; the Cluster's own labels are not
    inherited by default)."""
    name, namespace = cluster["metadata"]["name"], cluster["metadata"]["namespace"]
    pods = []
    for serial, role in ((1, "primary"), (2, "replica")):
        labels = {
            "cnpg.io/cluster": name,
            "cnpg.io/instanceName": f"{name}-{serial}",
            "cnpg.io/podRole": "instance",
            "cnpg.io/instanceRole": role,
        }
        pods.append(modeled_pod(f"{name}-{serial}", namespace, labels, CNPG_PORTS))
    return pods


# Where a Secret's name appears: a volume's secretName, and these keys holding {name: ...}
# (a projected volume's source, CloudNativePG's initdb secret, Barman Cloud's credentials).
SECRET_REFERENCES = ("secret", "accessKeyId", "secretAccessKey", "region", "sessionToken", "endpointCA")


def referenced_secrets(objects: list[dict]) -> set[str]:
    """Every Secret a pod template mounts or a custom resource names."""
    names = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("secretName"), str):
                names.add(node["secretName"])
            for key in SECRET_REFERENCES:
                if isinstance(node.get(key), dict) and isinstance(node[key].get("name"), str):
                    names.add(node[key]["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for obj in objects:
        if obj["kind"] != "Secret":
            walk(obj.get("spec", {}))
    return names


def complete(objects: list[dict], rendered_secrets: set[str]) -> tuple[list[dict], list[dict]]:
    """(Secrets made outside the manifests, pods an operator makes) for a rendering.

    A referenced Secret that is neither rendered, nor an operator's, nor one
    the documentation asks the user for is left out, and the tests that read
    it fail: a pod would wait for it forever.
    """
    made, pods = [], []
    for cluster in cnpg_clusters(objects):
        made.append(cnpg_app_secret(cluster))
        pods += cnpg_instance_pods(cluster)
    known = rendered_secrets | {s["metadata"]["name"] for s in made}
    # Each in the namespace of what names it (an overlay may render more than one).
    wanted = {
        (name, obj["metadata"]["namespace"])
        for obj in objects
        if "namespace" in obj["metadata"]
        for name in referenced_secrets([obj]) - known
    }
    for name, namespace in sorted(wanted):
        if name in USER_SECRETS:
            made.append(secret(name, namespace, USER_SECRETS[name]()))
    return made, pods
