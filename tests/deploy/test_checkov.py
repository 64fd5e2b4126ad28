"""checkov passes on every rendered overlay, with only the skips written down
(with their reasons) in kustomize/.checkov.yaml."""

import json
import subprocess

import pytest
import yaml

from tests.deploy.manifests import KUSTOMIZE, ROOT
from tests.prerequisites import unavailable

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CONFIG = KUSTOMIZE / ".checkov.yaml"
# Only checks that cannot apply to an image built locally and loaded into kind.
ALLOWED_SKIPS = {"CKV_K8S_15", "CKV_K8S_43"}


@pytest.fixture(scope="module")
def checkov():
    if not CHECKOV.is_file():
        unavailable(f"{CHECKOV} is missing", "`make checkov` creates it")
    return CHECKOV


def test_only_the_documented_checks_are_skipped():
    config = yaml.safe_load(CONFIG.read_text())
    assert set(config["skip-check"]) == ALLOWED_SKIPS
    lines = [line.strip() for line in CONFIG.read_text().splitlines()]
    for check in ALLOWED_SKIPS:
        # Each skip has its reason in the comment line right above it.
        index = lines.index(f"- {check}")
        assert lines[index - 1].startswith("#"), f"{check} has no reason written above it"


def test_checkov_passes(checkov, rendering, tmp_path):
    manifest = tmp_path / f"{rendering.overlay}.yaml"
    manifest.write_text(rendering.text)
    result = subprocess.run(
        [str(checkov), "--config-file", str(CONFIG), "--file", str(manifest), "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['check_name']}: {c['resource']}" for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    # Every workload was examined, not just parsed.
    examined = {c["resource"] for c in report["results"]["passed_checks"]}
    for workload in rendering.workloads():
        meta = workload["metadata"]
        assert f"{workload['kind']}.{meta['namespace']}.{meta['name']}" in examined
    assert summary["passed"] > 200
    assert result.returncode == 0, result.stderr
