"""The dashboards this repository holds: canonical, lint-clean, loadable in every stack; and the
design notes' own dashboards: portable, on current panel types, on the documented metrics.

A team adds dashboards (``obsctl import dashboard``) without editing this file: what is checked of
every dashboard holds for any valid export; the house rules apply to the design notes' set."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infra.catalog.dashboards import (
    DashboardCatalog,
    DeclaredDatasource,
    canonical_text,
    format_all,
    lint,
    load_catalog,
    load_dashboard_file,
    normalize,
)
from infra.catalog.dashboards.panels import iter_panels, iter_targets
from tests.catalog.dashboard_support import ENVIRONMENT, PROJECT_DIR, SCHEMA_FILE, provider_state

SHIPPED = sorted((PROJECT_DIR / "dashboards").glob("*/*.json"))
"""Every dashboard of the repository, the design notes' and those a team imported."""
EXPECTED = {
    "platform-home": ("general", "Home"),
    "gateway-overview": ("gateway", "Gateway Overview"),
    "gateway-performance": ("gateway", "Gateway Performance"),
    "gateway-security": ("gateway", "Gateway Security"),
    "gateway-operations": ("gateway", "Gateway Operations"),
    "system-overview": ("platform", "System Overview"),
    "application-performance": ("platform", "Application Performance"),
    "external-metrics-production": ("external-metrics", "External Metrics Service \u2013 Production"),
    "logs-explorer": ("logs", "Logs Explorer"),
}
CURRENT_PANEL_TYPES = {
    "timeseries",
    "stat",
    "heatmap",
    "table",
    "gauge",
    "logs",
    "bargauge",
    "text",
    "state-timeline",
    "row",
}
METRIC = re.compile(r"\b((?:gateway|metrics)_[a-z_]+?)(?:_bucket|_sum|_count)?\b(?=\s*[{\[)])")


@cache
def stack_datasources() -> tuple[DeclaredDatasource, ...]:
    """Datasources the stacks declare beyond this project's own (an InfluxDB an import asked for)."""
    from infra.config import load_settings
    from obsctl.stackfile import read_stack_file, stack_names

    found: dict[str, DeclaredDatasource] = {}
    own_types = {d.type for d in ENVIRONMENT}
    for stack in stack_names(PROJECT_DIR):
        grafana = load_settings(read_stack_file(PROJECT_DIR, stack).raw).grafana
        for declared in grafana.declared_datasources() if grafana else []:
            if declared.type not in own_types:
                found.setdefault(declared.uid, declared)
    return tuple(found.values())


@cache
def catalog(
    environment: tuple[DeclaredDatasource, ...] = ENVIRONMENT, default_uid: str = "prometheus"
) -> DashboardCatalog:
    return load_catalog(PROJECT_DIR, (*environment, *stack_datasources()), default_uid)


def is_design_notes(path: Path) -> bool:
    return load_dashboard_file(path, PROJECT_DIR).uid in EXPECTED


HOUSE = [path for path in SHIPPED if is_design_notes(path)]


def test_catalog_holds_the_design_notes_dashboards_without_warnings() -> None:
    loaded = catalog()
    held = {d.uid: (d.folder, d.title) for d in loaded.dashboards}
    assert {uid: held.get(uid) for uid in EXPECTED} == EXPECTED
    assert set(loaded.folders) >= {"external-metrics", "gateway", "logs", "platform"}
    assert loaded.folders["external-metrics"].title == "External Metrics"
    house_sources = {path.relative_to(PROJECT_DIR).as_posix() for path in HOUSE}
    assert [w for w in loaded.warnings if w.source in house_sources] == []


def test_every_file_is_canonical() -> None:
    assert format_all(PROJECT_DIR, check=True) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(PROJECT_DIR).as_posix())
def test_every_dashboard_is_canonical_and_lints_without_errors(path: Any) -> None:
    raw = load_dashboard_file(path, PROJECT_DIR)
    assert path.read_text(encoding="utf-8") == canonical_text(raw)
    model = raw.dashboard
    assert raw.uid, "the uid is written in the file"
    assert normalize(model) == model
    assert provider_state(model) == json.dumps(model, sort_keys=True, separators=(",", ":"))
    assert lint(model, raw.source).errors == []


@pytest.mark.parametrize("path", HOUSE, ids=lambda p: p.relative_to(PROJECT_DIR).as_posix())
def test_design_notes_dashboard_is_explicit_and_portable(path: Any) -> None:
    raw = load_dashboard_file(path, PROJECT_DIR)
    model = raw.dashboard
    datasource = next(v for v in model["templating"]["list"] if v["name"] == "datasource")
    assert datasource["type"] == "datasource"
    for ref in iter_panels(model):
        assert ref.panel["type"] in CURRENT_PANEL_TYPES, ref.label
        for _, target in iter_targets(ref.panel):
            assert target["datasource"]["uid"] == "${datasource}", ref.label
    report = lint(model, raw.source)
    assert report.errors == [] and report.warnings == []


@pytest.mark.parametrize("dashboard", catalog().dashboards, ids=lambda d: d.uid)
def test_resolved_model_is_a_fixed_point_and_valid_against_grafanas_schema(
    dashboard: Any, shared_dir: Path
) -> None:
    config = dashboard.config
    assert normalize(config) == config
    assert provider_state(config) == json.dumps(config, sort_keys=True, separators=(",", ":"))
    if dashboard.uid not in EXPECTED:
        # An imported export keeps its schemaVersion (rows, singlestat...): Grafana migrates it on
        # load, and its current schema describes only the migrated form.
        return
    current = next(v for v in config["templating"]["list"] if v["name"] == "datasource")["current"]
    assert current["value"] in {"prometheus", "loki"}
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(config)


def test_each_environment_points_the_datasource_variable_at_its_own_datasource() -> None:
    prod = (
        DeclaredDatasource("prom-prod", "Prometheus", "prometheus"),
        DeclaredDatasource("loki-prod", "Loki", "loki"),
    )
    loaded = catalog(prod, "prom-prod")
    for dashboard in (d for d in loaded.dashboards if d.uid in EXPECTED):
        variable = next(v for v in dashboard.config["templating"]["list"] if v["name"] == "datasource")
        expected = "loki-prod" if variable["query"] == "loki" else "prom-prod"
        assert variable["current"] == {"text": variable["current"]["text"], "value": expected}


def _exprs() -> list[str]:
    exprs: list[str] = []
    for path in HOUSE:
        model = json.loads(path.read_text(encoding="utf-8"))
        for ref in iter_panels(model):
            exprs += [
                t["expr"] for _, t in iter_targets(ref.panel) if t["datasource"]["type"] == "prometheus"
            ]
    return exprs


def test_metric_table_lists_every_application_metric_the_dashboards_query() -> None:
    readme = (PROJECT_DIR / "dashboards" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`((?:gateway|metrics)_[a-z_]+)", readme))
    used = {m for expr in _exprs() for m in METRIC.findall(expr)}
    assert used, "the pattern finds the metrics"
    assert used <= documented, f"add to dashboards/README.md: {sorted(used - documented)}"
    for name in (
        "metrics_api_request_duration_seconds",
        "metrics_websocket_connections_active",
        "metrics_active_users_total",
        "metrics_database_query_duration_seconds",
        "metrics_productivity_score",
        "gateway_requests_total",
        "gateway_policy_decisions_total",
        "gateway_siem_up",
    ):
        assert name in used, f"{name} is not on any dashboard"
