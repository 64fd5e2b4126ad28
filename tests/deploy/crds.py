"""Validation for the custom resources the manifests use.

kubernetes-validate ships schemas for the built-in kinds only, and (strict)
raises SchemaNotFoundError for any other. The custom kinds here are checked
against schemas/: for each, the subset of its API that the manifests use,
written from the project's documentation and types (each file names its
sources), and as strict as kubernetes-validate --strict: a field the schema
does not name fails. The built-in types inside them (ObjectMeta,
ResourceRequirements) are kubernetes-validate's own strict definitions for
the cluster's Kubernetes version, so those parts are checked exactly.

What this cannot check: the operator's defaulting and validating webhooks
and the CRDs' own CEL rules; only a cluster with the operator installed runs those.
"""

from functools import cache
from pathlib import Path

import jsonschema
import jsonschema.protocols
import yaml
from kubernetes_validate.utils import all_versions, major_minor, schema_contents
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "schemas"
CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql-v1.yaml",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "scheduledbackup-postgresql-v1.yaml",
    ("barmancloud.cnpg.io/v1", "ObjectStore"): "objectstore-barmancloud-v1.yaml",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "httproute-gateway-v1.yaml",
    ("argoproj.io/v1alpha1", "Application"): "application-argoproj-v1alpha1.yaml",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-monitoring-v1.yaml",
}
# The API groups of those kinds: an object of one of them with another kind or
# version has no schema here, and fails.
CUSTOM_GROUPS = {api_version.split("/")[0] for api_version, _ in CUSTOM_KINDS}


class CustomSchemaNotFoundError(Exception):
    pass


def is_custom(obj: dict) -> bool:
    return obj["apiVersion"].split("/")[0] in CUSTOM_GROUPS


@cache
def _kubernetes_definitions(kubernetes_version: str) -> dict:
    """kubernetes-validate's strict definitions for the version, chosen as it chooses them."""
    version = [v for v in all_versions() if major_minor(v) <= major_minor(kubernetes_version)][-1]
    return schema_contents(
        f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", kubernetes_version
    )


@cache
def _validator(api_version: str, kind: str, kubernetes_version: str) -> "jsonschema.protocols.Validator":
    if (api_version, kind) not in CUSTOM_KINDS:
        raise CustomSchemaNotFoundError(f"no schema for {kind} {api_version}")
    schema = yaml.safe_load((SCHEMAS / CUSTOM_KINDS[api_version, kind]).read_text())
    definitions = _kubernetes_definitions(kubernetes_version)
    registry = Registry().with_resources(
        [
            (definitions["$id"], Resource.from_contents(definitions)),
            (schema["$id"], Resource.from_contents(schema)),
        ]
    )
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, registry=registry)


def validate_custom(obj: dict, kubernetes_version: str) -> None:
    """Raise jsonschema.ValidationError for an object its schema rejects, and
    CustomSchemaNotFoundError for a custom kind or version without one."""
    _validator(obj["apiVersion"], obj["kind"], kubernetes_version).validate(obj)
