"""metrics/exporters/: every inventory validates, is at the pinned version, and the generator's
scrape of the real binaries yields the well-known metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.catalog.metrics.exporter_inventory import (
    INVENTORY_DIR,
    SCHEMA_FILE,
    load_inventories,
    parse_inventory,
    pinned_version,
    schema_text,
)
from infra.catalog.strict_yaml import load_document
from infra.errors import DefinitionError
from infra.helm.versions import chart_pin
from obsctl.metrics_inventory import render
from obsctl.metrics_inventory.scrape import SCRAPE_TARGETS, parse_exposition, scrape
from obsctl.metrics_inventory.upstream import parse_metric_tables

ROOT = Path(__file__).resolve().parents[1]
INVENTORIES = load_inventories(ROOT)

EXPOSITION = """\
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 10
node_cpu_seconds_total{cpu="0",mode="user"} 2
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 1
# HELP http_request_duration_seconds Latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/",le="0.1"} 1
http_request_duration_seconds_bucket{handler="/",le="+Inf"} 2
http_request_duration_seconds_sum{handler="/"} 0.3
http_request_duration_seconds_count{handler="/"} 2
# HELP go_gc_duration_seconds GC pauses.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0.5"} 0.001
go_gc_duration_seconds_sum 0.01
go_gc_duration_seconds_count 4
some_untyped_thing{a="b"} 1
"""


def test_the_schema_is_current() -> None:
    assert (ROOT / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(), (
        "run python -m obsctl.metrics_inventory --write-schema"
    )


def test_the_inventories_are_the_ones_documented() -> None:
    assert set(INVENTORIES) == {
        "node-exporter",
        "prometheus",
        "alertmanager",
        "kube-state-metrics",
        "redis-exporter",
    }


@pytest.mark.parametrize("component", sorted(INVENTORIES))
def test_each_inventory_is_at_the_version_the_pinned_chart_deploys(component: str) -> None:
    inventory = INVENTORIES[component].inventory
    chart = chart_pin(inventory.pinned_by.chart)
    image = chart.image(inventory.pinned_by.image) if inventory.pinned_by.image else chart.app_version
    assert image is not None and inventory.version == "v" + image.lstrip("v").split("-")[0]
    if inventory.source.method == "upstream source":
        assert inventory.source.commit
        # Read at another tag only when the pinned one is unavailable, and then saying so.
        assert inventory.source.ref == inventory.version or inventory.source.note


def test_the_subchart_images_follow_the_kube_prometheus_stack_dependencies(shared_dir: Path) -> None:
    """Bumping kube-prometheus-stack changes its subcharts: versions.yaml (and so the inventories)
    must follow, or this fails."""
    chart = load_document(
        (shared_dir / "schemas/charts/kube-prometheus-stack/Chart.yaml").read_text(encoding="utf-8"),
        "Chart.yaml",
    )
    dependencies = {dependency["name"]: str(dependency["version"]) for dependency in chart["dependencies"]}
    versions = load_document(
        (ROOT / "infra/charts/versions.yaml").read_text(encoding="utf-8"), "versions.yaml"
    )
    subcharts = versions["charts"]["kube-prometheus-stack"]["subcharts"]
    for name, version in subcharts.items():
        assert dependencies[name] == version, f"{name}: the chart depends on {dependencies[name]}"


def test_a_wrong_version_fails_naming_file_and_key() -> None:
    path = ROOT / INVENTORY_DIR / "alertmanager.yaml"
    text = path.read_text(encoding="utf-8").replace("version: v0.34.0", "version: v0.33.0")
    with pytest.raises(DefinitionError) as caught:
        parse_inventory(text, "metrics/exporters/alertmanager.yaml")
    assert "metrics/exporters/alertmanager.yaml: version: is v0.33.0 but" in str(caught.value)
    assert "deploys v0.34.0" in str(caught.value)


@pytest.mark.parametrize(
    ("written", "broken", "location"),
    [
        ("node_cpu_seconds_total\n  type: counter", "node_cpu_seconds_total\n  type: countr", ".type: Input"),
        (
            "Seconds the CPUs spent in each mode.\n  labels:\n  - cpu\n  - mode\n",
            "Seconds the CPUs spent in each mode.\n  labels:\n  - cpu\n  - 1mode\n",
            ": labels",
        ),
    ],
)
def test_a_malformed_entry_fails_naming_the_metric(written: str, broken: str, location: str) -> None:
    text = (ROOT / INVENTORY_DIR / "node-exporter.yaml").read_text(encoding="utf-8")
    assert written in text
    with pytest.raises(DefinitionError) as caught:
        parse_inventory(text.replace(written, broken, 1), "metrics/exporters/node-exporter.yaml")
    assert f"metrics/exporters/node-exporter.yaml: metrics[node_cpu_seconds_total]{location}" in str(
        caught.value
    )


def test_an_unsorted_inventory_fails() -> None:
    inventory = INVENTORIES["alertmanager"].inventory
    shuffled = inventory.model_copy(update={"metrics": list(reversed(inventory.metrics))})
    with pytest.raises(DefinitionError, match="metrics must be sorted by name"):
        parse_inventory(render(shuffled), "alertmanager.yaml")


def test_the_exposition_parser_names_series_as_queried() -> None:
    metrics = {metric.name: metric for metric in parse_exposition(EXPOSITION)}
    assert metrics["node_cpu_seconds_total"].type == "counter"
    assert metrics["node_cpu_seconds_total"].labels == ["cpu", "mode"]
    assert metrics["probe_success"].type == "gauge"
    assert (
        metrics["http_request_duration_seconds"].type,
        metrics["http_request_duration_seconds"].labels,
    ) == (
        "histogram",
        ["handler"],
    )
    assert metrics["go_gc_duration_seconds"].labels == []
    assert metrics["some_untyped_thing"].type == "untyped"
    assert list(metrics) == sorted(metrics)


def test_the_kube_state_metrics_tables_parse() -> None:
    table = (
        "| Metric name | Metric type | Description | Unit | Labels/tags | Status | Opt-in |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| kube_pod_status_phase | Gauge | The pods current phase | | `pod`=&lt;pod-name&gt; <br> "
        "`phase`=&lt;Pending\\|Running&gt; | STABLE | - |\n"
    )
    [metric] = parse_metric_tables(table)
    assert (metric.name, metric.type, metric.labels) == ("kube_pod_status_phase", "gauge", ["phase", "pod"])


@pytest.mark.parametrize(
    ("component", "name", "kind", "label"),
    [
        ("node-exporter", "node_cpu_seconds_total", "counter", "mode"),
        ("prometheus", "prometheus_rule_evaluation_failures_total", "counter", "rule_group"),
        ("alertmanager", "alertmanager_notifications_total", "counter", "integration"),
        ("kube-state-metrics", "kube_pod_container_status_restarts_total", "counter", "container"),
        ("redis-exporter", "redis_up", "gauge", None),
        ("redis-exporter", "redis_connected_clients", "gauge", None),
        ("redis-exporter", "redis_commands_total", "counter", "cmd"),
        ("redis-exporter", "redis_db_keys", "gauge", "db"),
    ],
)
def test_committed_inventories_hold_the_well_known_metrics(
    component: str, name: str, kind: str, label: str | None
) -> None:
    metric = INVENTORIES[component].inventory.metric(name)
    assert metric is not None and metric.type == kind
    assert label in metric.labels if label else metric.labels == []


def test_the_redis_exporter_inventory_says_it_is_read_at_the_nearest_tag() -> None:
    """v1.89.0 is not in the mirror: the file cites v1.88.0 and says why, in the file."""
    inventory = INVENTORIES["redis-exporter"].inventory
    assert inventory.version == pinned_version(inventory.pinned_by) == "v1.89.0"
    assert inventory.source.repo == "oliver006/redis_exporter"
    if inventory.source.ref != inventory.version:
        assert inventory.source.note and inventory.source.ref in inventory.source.note
    assert "exporter/exporter.go" in inventory.source.paths


def test_a_note_is_only_for_upstream_source() -> None:
    text = (ROOT / INVENTORY_DIR / "alertmanager.yaml").read_text(encoding="utf-8")
    text = text.replace("  method: scraped\n", "  method: scraped\n  note: read elsewhere\n", 1)
    with pytest.raises(DefinitionError, match="note is for an upstream-source inventory"):
        parse_inventory(text, "metrics/exporters/alertmanager.yaml")


@pytest.mark.slow
@pytest.mark.parametrize("component", sorted(SCRAPE_TARGETS))
def test_scraping_the_pinned_binary_gives_the_committed_inventory(component: str) -> None:
    """Runs the real binary (skipped, naming it, where `make tools` could not build it)."""
    target = SCRAPE_TARGETS[component]
    scraped = {metric.name: metric for metric in scrape(target)}
    committed = INVENTORIES[component].inventory
    assert committed.version == pinned_version(target.pinned_by)
    well_known = {
        "node-exporter": "node_cpu_seconds_total",
        "prometheus": "prometheus_rule_evaluation_failures_total",
        "alertmanager": "alertmanager_notifications_total",
    }[component]
    assert scraped[well_known] == committed.metric(well_known)
    # The host may add or lack a collector's families (hwmon, nvme...); the bulk must agree.
    common = scraped.keys() & {metric.name for metric in committed.metrics}
    assert len(common) >= 0.9 * len(committed.metrics)
