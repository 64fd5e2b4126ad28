"""The Grafana dashboard in the repository: valid JSON, and every query names metrics the application exports.

The names come from the application's own registry (taskmanager/metrics/registry.py),
so renaming a metric there fails here until the dashboard follows.
"""

import json
import re
from pathlib import Path

import pytest
import yaml

from taskmanager.metrics.registry import exported_sample_names, sample_names_by_metric

GRAFANA = Path(__file__).resolve().parents[2] / "kustomize" / "components" / "monitoring" / "grafana"
DASHBOARD = GRAFANA / "taskmanager-dashboard.json"
# Series Prometheus makes itself for every target.
PROMETHEUS_SERIES = {"up"}
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: no functions, keywords, labels or durations."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range durations
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    return {
        match.group(1)
        for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][\w:]*)\s*(\()?", text)
        if not match.group(2) and match.group(1) not in _KEYWORDS
    }


def panels() -> list[dict]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_metric_names_are_read_out_of_promql():
    expr = (
        'histogram_quantile(0.95, sum by (role, le) (rate(a_bucket{status=~"5..",x="y"}[$__rate_interval])))'
        " / on (role) b"
    )
    assert metric_names(expr) == {"a_bucket", "b"}


def test_the_dashboard_is_a_grafana_dashboard_with_queries_in_every_panel():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["refId"], panel["title"]


@pytest.mark.parametrize("panel", panels(), ids=lambda p: p["title"])
def test_every_query_reads_metrics_the_application_exports(panel):
    exported = exported_sample_names() | PROMETHEUS_SERIES
    for target in panel["targets"]:
        names = metric_names(target["expr"])
        assert names, target["expr"]
        assert names <= exported, f"{panel['title']}: {sorted(names - exported)} not exported"


def test_the_dashboard_shows_every_metric_the_application_exports():
    shown = {name for panel in panels() for t in panel["targets"] for name in metric_names(t["expr"])}
    for metric, samples in sample_names_by_metric().items():
        assert samples & shown, f"{metric} is on no panel"


def test_the_queries_use_the_provisioned_data_source():
    (source,) = yaml.safe_load((GRAFANA / "datasources.yaml").read_text())["datasources"]
    for panel in panels():
        assert panel["datasource"]["uid"] == source["uid"]
        assert {t["datasource"]["uid"] for t in panel["targets"]} == {source["uid"]}
