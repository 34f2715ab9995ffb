"""The application metrics catalog (``metrics/``): it loads, covers what the repository's own alerts
query, and each check refuses what it should with the file and the key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from infra.catalog.cloudwatch.aws_models import allowed_units
from infra.catalog.metrics import METRICS_DIR, MetricsCatalog, load_metrics
from infra.catalog.metrics.__main__ import main as schema_main
from infra.catalog.metrics.model import SCRAPE_LABELS, UNITS, Unit
from infra.catalog.prometheus.rule_set import load_rule_set
from infra.catalog.prometheus.selectors import vector_selectors, walk
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError
from tests.conftest import PROJECT_DIR, copy_definitions, run_obsctl

EXPORTER_PREFIXES = (
    "node_",
    "container_",
    "kube_",
    "pg_",
    "redis_",
    "probe_",
    "prometheus_",
    "alertmanager_",
)
EXPORTER_NAMES = ("up", "ALERTS", "ALERTS_FOR_STATE")
"""Produced by exporters and Prometheus itself; deliverable 2 of issue 14 inventories them."""


@pytest.fixture(scope="module")
def catalog() -> MetricsCatalog:
    return load_metrics(PROJECT_DIR)


def test_the_shipped_catalog_loads_with_the_design_notes_metrics(catalog: MetricsCatalog) -> None:
    names = catalog.by_name()
    assert names["app.requests.total"].metric.type == "counter"
    assert (
        names["app.latency"].metric.type == "histogram" and names["app.latency"].metric.unit == "milliseconds"
    )
    assert set(catalog.datadog_names()) >= {
        "app.requests.total",
        "app.latency.95percentile",
        "app.latency.avg",
    }
    series = catalog.prometheus_series()
    for expected in (
        "gateway_requests_total",
        "gateway_request_duration_seconds_bucket",
        "gateway_connection_pool_in_use",
        "gateway_cache_hits_total",
        "gateway_policy_decisions_total",
        "gateway_audit_events_total",
        "metrics_api_request_duration_seconds_count",
        "metrics_database_query_duration_seconds_bucket",
        "metrics_websocket_connections_active",
        "metrics_active_users_total",
        "metrics_productivity_score_sum",
    ):
        assert expected in series, expected


def test_every_catalog_file_points_editors_at_the_schema() -> None:
    files = sorted((PROJECT_DIR / METRICS_DIR).glob("*.y*ml"))
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/metrics.schema.json", path


def test_the_shipped_schema_is_current() -> None:
    assert schema_main([]) == 0, "run python -m infra.catalog.metrics --write-schema"


def test_every_unit_has_a_cloudwatch_unit() -> None:
    assert tuple(UNITS) == get_args(Unit)
    assert set(UNITS.values()) <= set(allowed_units())


def _used_labels(expr: str) -> dict[str, set[str]]:
    """Metric -> labels the expression uses on it: its matchers, and by/without labels of an
    aggregation over that metric alone."""
    import promql_parser

    used: dict[str, set[str]] = {}
    for node in walk(promql_parser.parse(expr)):
        kind = type(node).__name__
        if kind == "VectorSelector" and node.name:
            used.setdefault(node.name, set()).update(
                m.name for m in node.matchers.matchers if m.name != "__name__"
            )
        elif kind == "AggregateExpr" and node.modifier is not None:
            inner = {n.name for n in walk(node.expr) if type(n).__name__ == "VectorSelector" and n.name}
            if len(inner) == 1:
                used.setdefault(inner.pop(), set()).update(node.modifier.labels)
    return used


def test_every_metric_the_rules_select_is_catalogued_with_its_labels(catalog: MetricsCatalog) -> None:
    rule_set = load_rule_set(PROJECT_DIR)
    own = [rule_file for rule_file in rule_set.files if not rule_file.vendored]
    recorded = {rule.record for rule_file in own for _, rule in rule_file.rules() if rule.record}
    series = catalog.prometheus_series()
    missing = []
    checked = 0
    for rule_file in own:
        for _, rule in rule_file.rules():
            names = {s.split("{")[0] for s in vector_selectors(rule.expr)}
            used = _used_labels(rule.expr)
            for name in sorted(names - recorded):
                if name in EXPORTER_NAMES or name.startswith(EXPORTER_PREFIXES):
                    continue
                checked += 1
                entry = series.get(name)
                if entry is None:
                    missing.append(
                        f"{rule_file.source}: {rule.alert or rule.record}: {name} is not catalogued"
                    )
                    continue
                unknown = used.get(name, set()) - entry.metric.series_labels(name) - set(SCRAPE_LABELS)
                if unknown:
                    missing.append(f"{rule_file.source}: {rule.alert}: {name} has no label {sorted(unknown)}")
    assert checked > 15
    assert missing == []


def test_the_datadog_monitors_custom_metrics_are_catalogued(catalog: MetricsCatalog) -> None:
    queries = [
        monitor["query"]
        for path in sorted((PROJECT_DIR / "alerts/datadog").glob("*.yaml"))
        for document in load_documents(path.read_text(), path.name)
        for monitor in (document or {}).values()
        if isinstance(monitor, dict) and isinstance(monitor.get("query"), str)
    ]
    custom = {name for query in queries for name in re.findall(r":(app\.[a-z0-9_.]+)\{", query)}
    assert custom and custom <= set(catalog.datadog_names())


def test_the_agent_metrics_the_cloudwatch_alarms_read_are_catalogued(catalog: MetricsCatalog) -> None:
    published = {
        entry.metric.cloudwatch.metric_name: entry.metric
        for entry in catalog.metrics
        if entry.metric.cloudwatch is not None
        and entry.metric.cloudwatch.namespace == "${resources.agentNamespace}"
    }
    text = (PROJECT_DIR / "alerts/cloudwatch/compute.yaml").read_text()
    for name, group_by in re.findall(
        r'SELECT \w+\((\w+)\) FROM "\$\{resources\.agentNamespace\}" GROUP BY ([\w, ]+)', text
    ):
        metric = published[name]
        assert metric.cloudwatch is not None
        assert {d.strip() for d in group_by.split(",")} <= set(metric.cloudwatch.dimensions)
    assert {"cpu_usage_idle", "mem_used_percent", "disk_used_percent"} <= set(published)


GOOD = """\
# yaml-language-server: $schema=../schemas/metrics.schema.json
service: demo
metrics:
  - name: demo.requests
    type: counter
    unit: requests
    help: Requests.
    labels: {route: Route.}
    prometheus: {name: demo_requests_total}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy_definitions(tmp_path)
    return tmp_path


def _problems(project: Path, text: str, name: str = "demo.yaml") -> list[str]:
    (project / METRICS_DIR / name).write_text(text)
    with pytest.raises(DefinitionError) as raised:
        load_metrics(project)
    return [str(p) for p in raised.value.problems]


def test_a_valid_file_loads(project: Path) -> None:
    (project / METRICS_DIR / "demo.yaml").write_text(GOOD)
    assert "demo.requests" in load_metrics(project).by_name()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("demo_requests_total", "demo_requests", "metrics/demo.yaml: demo.requests.prometheus.name: "),
        ("demo_requests_total", "demo_requests", "is a counter: its name ends in _total"),
        ("unit: requests", "unit: furlongs", "metrics/demo.yaml: demo.requests.unit: Input should be"),
        ("{route: Route.}", "{route-name: Route.}", "metrics/demo.yaml: demo.requests.labels.route-name: "),
        ("{route: Route.}", "{__route: Route.}", "reserved for Prometheus' own use"),
        ("{route: Route.}", "{instance: Route.}", "added by Prometheus' scrape"),
        ("demo_requests_total", "demo:requests_total", "colons are reserved for recording rules"),
        ("type: counter", "type: timer", "metrics/demo.yaml: demo.requests.type: "),
        ("prometheus: {name: demo_requests_total}", "", "names no backend"),
        (
            "prometheus: {name: demo_requests_total}",
            "datadog: {name: 9demo.requests}",
            "demo.requests.datadog.name: '9demo.requests' is not a DogStatsD metric name",
        ),
        (
            "prometheus: {name: demo_requests_total}",
            "cloudwatch: {via: emf, namespace: AWS/Demo, metric_name: Requests}",
            "demo.requests.cloudwatch.namespace: 'AWS/Demo': namespaces starting with AWS/",
        ),
        (
            "prometheus: {name: demo_requests_total}",
            "cloudwatch: {via: emf, namespace: ':Demo', metric_name: Requests}",
            "botocore's pattern",
        ),
        (
            "prometheus: {name: demo_requests_total}",
            "cloudwatch: {via: emf, namespace: '${resources.x}', metric_name: Requests, dimensions: [host]}",
            "cloudwatch.dimensions: 'host' is not one of the metric's labels",
        ),
        (
            "prometheus: {name: demo_requests_total}",
            "cloudwatch: {via: emf, namespace: '${nope}', metric_name: Requests}",
            "is not a placeholder a stack fills",
        ),
        ("    help: Requests.\n", "", "metrics/demo.yaml: demo.requests.help: is required"),
        ("service: demo", "service: demo\nowner: me", "metrics/demo.yaml: owner: is not a known key"),
    ],
)
def test_each_check_names_the_file_and_the_key(project: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    problems = _problems(project, GOOD.replace(old, new))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (
            "type: histogram\n    unit: seconds\n    prometheus: {name: demo_duration_seconds_bucket}",
            "series",
        ),
        (
            "type: histogram\n    unit: seconds\n    prometheus: {name: demo_duration}",
            "its name says _seconds",
        ),
        (
            "type: histogram\n    unit: seconds\n    labels: {le: Bucket.}\n    prometheus: {name: x_seconds}",
            "'le'",
        ),
    ],
)
def test_histogram_names_and_labels(project: Path, metric: str, expected: str) -> None:
    text = f"service: demo\nmetrics:\n  - name: demo.duration\n    help: Duration.\n    {metric}\n"
    problems = _problems(project, text)
    assert any(p.startswith("metrics/demo.yaml: demo.duration") and expected in p for p in problems), problems


def test_a_duplicate_name_or_series_is_refused_naming_both_files(project: Path) -> None:
    (project / METRICS_DIR / "demo.yaml").write_text(GOOD)
    twin = GOOD.replace("service: demo", "service: twin").replace(
        "demo_requests_total", "twin_requests_total"
    )
    problems = _problems(project, twin, "twin.yaml")
    assert "metrics/twin.yaml: demo.requests: name is used by another metric (metrics/demo.yaml)" in problems
    clash = GOOD.replace("demo.requests", "gateway.again").replace(
        "demo_requests_total", "gateway_requests_total"
    )
    problems = _problems(project, clash, "twin.yaml")
    assert any(
        "gateway.again.prometheus.name: Prometheus series 'gateway_requests_total'" in p for p in problems
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("service: demo\nmetrics: [\n", "metrics/demo.yaml: line "),
        ("- just\n- a list\n", "metrics/demo.yaml: must be one YAML mapping"),
        ("service: demo\nservice: again\nmetrics: []\n", "defined twice"),
        ("service: demo\nmetrics: []\n", "metrics/demo.yaml: metrics: "),
    ],
)
def test_a_malformed_file_is_an_error_and_registers_nothing(project: Path, text: str, expected: str) -> None:
    problems = _problems(project, text)
    assert any(expected in p for p in problems), problems
    assert all("Traceback" not in p for p in problems)


def test_the_plan_refuses_a_broken_metrics_file(project: Path) -> None:
    (project / METRICS_DIR / "demo.yaml").write_text(GOOD.replace("demo_requests_total", "demo_requests"))
    result = run_obsctl("plan", "staging", "--definitions", str(project))
    assert result.returncode == 1
    assert "error: metrics/demo.yaml: demo.requests.prometheus.name: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Plan for stack" not in result.stdout


def test_documents_parse_as_plain_yaml() -> None:
    for path in sorted((PROJECT_DIR / METRICS_DIR).glob("*.yaml")):
        assert len(load_documents(path.read_text(), path.name)) == 1
