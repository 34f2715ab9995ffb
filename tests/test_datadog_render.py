"""Rendering Datadog monitors for a stack: overrides, templates, tags and notification routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.catalog.datadog import RenderedMonitor, load_catalog, render_monitors
from infra.errors import DefinitionError
from infra.settings.datadog import DatadogSettings

PAGERDUTY = "@pagerduty-ExternalMetrics"
SLACK = "@slack-external-metrics-alerts"
EMAIL = "@sre-team@example.com"

CATALOG = """\
cpu-high:
  name: "[{{env}}] CPU high on {{host.name}}"
  type: metric alert
  query: "avg(last_5m):avg:system.cpu.user{env:$env} by {host} > 80"
  message: "CPU is {{value}} in {{ env }}; see $environment and {{env.name}}"
  severity: critical
  tags: [team:infra, "env:wrong", "dashboard:$env-hosts"]
  thresholds: {critical: 80, warning: 70}
api-down:
  name: API down
  type: query alert
  query: "sum(last_5m):sum:app.requests.total{*}.as_count() < 1"
  message: No requests
  priority: 1
  options:
    notify_no_data: true
    thresholds: {critical: 1}
latency:
  name: Latency
  type: metric alert
  query: "avg(last_5m):avg:app.latency.95percentile{*} > 500"
  tags: {service: checkout, tier: 2}
  options:
    thresholds: {critical: 500, warning: 400}
quiet:
  enabled: false
  name: Quiet
  type: metric alert
  query: "avg(last_5m):avg:x{*} > 1"
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "team.yaml").write_text(CATALOG)
    return tmp_path


def render(repo: Path, stack: str = "staging", **section: Any) -> dict[str, RenderedMonitor]:
    routing = {"critical": PAGERDUTY, "warning": SLACK, "info": [EMAIL]}
    settings = DatadogSettings.model_validate({"enabled": True, "routing": routing, **section})
    return {m.id: m for m in render_monitors(load_catalog(repo), settings, stack)}


def test_env_templates_are_substituted_and_datadog_variables_kept(repo: Path) -> None:
    cpu = render(repo, "prod")["cpu-high"].inputs
    assert cpu["name"] == "[prod] CPU high on {{host.name}}"
    assert cpu["query"] == "avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 80"
    assert cpu["message"].startswith("CPU is {{value}} in prod; see $environment and {{env.name}}")
    assert "dashboard:prod-hosts" in cpu["tags"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("avg(last_5m):avg:system.cpu.user{$env} by {host} > 90", "{env:prod} by {host}"),
        ("avg(last_5m):avg:system.cpu.user{$env,role:db} > 90", "{env:prod,role:db}"),
        ("avg(last_5m):avg:system.cpu.user{role:db, !$env} > 90", "{role:db, !env:prod}"),
        ("avg(last_5m):avg:system.cpu.user{$env AND role:db} > 90", "{env:prod AND role:db}"),
        ("avg(last_5m):avg:system.cpu.user{env:$env.value} > 90", "{env:prod}"),
        ('logs("env:$env service:api").index("*").rollup("count").last("5m") > 1', '"env:prod service:api"'),
    ],
)
def test_a_template_variable_alone_in_a_scope_becomes_the_env_tag(query: str, expected: str) -> None:
    from infra.catalog.datadog.templating import substitute_env_in_query

    # `{prod}` would be a valid scope of a tag nobody sets: the monitor would never match.
    rendered = substitute_env_in_query(query, "prod")
    assert expected in rendered
    assert "{prod" not in rendered and "$env" not in rendered


def test_an_exported_monitor_with_a_scope_variable_plans_with_the_env_tag(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "exported.yaml").write_text(
        "disk:\n  name: Disk\n  type: metric alert\n"
        '  query: "avg(last_5m):avg:system.disk.in_use{$env} by {host} > 0.9"\n'
        "  message: Disk full\n  severity: warning\n"
    )
    disk = render(tmp_path, "prod")["disk"].inputs
    assert disk["query"] == "avg(last_5m):avg:system.disk.in_use{env:prod} by {host} > 0.9"


def test_the_env_setting_replaces_the_stack_name(repo: Path) -> None:
    cpu = render(repo, "prod", env="production")["cpu-high"].inputs
    assert "{env:production}" in cpu["query"]
    assert "env:production" in cpu["tags"]


def test_tags_are_merged_sorted_and_the_stack_owns_env(repo: Path) -> None:
    rendered = render(repo, "staging")
    assert rendered["cpu-high"].inputs["tags"] == [
        "dashboard:staging-hosts",
        "env:staging",
        "managed-by:pulumi",
        "service:external-metrics-api",
        "severity:critical",
        "team:infra",
    ]
    # A map of tags becomes key:value strings; the catalog's own service wins over the default.
    assert rendered["latency"].inputs["tags"] == [
        "env:staging",
        "managed-by:pulumi",
        "service:checkout",
        f"severity:{rendered['latency'].severity}",
        "team:platform",
        "tier:2",
    ]


def test_handles_are_routed_by_severity_in_conditional_blocks(repo: Path) -> None:
    rendered = render(repo)
    cpu = rendered["cpu-high"].inputs["message"]
    assert cpu.endswith(
        f"\n\n{{{{#is_alert}}}}{PAGERDUTY}{{{{/is_alert}}}}\n"
        f"{{{{#is_warning}}}}{SLACK}{{{{/is_warning}}}}\n"
        f"{{{{#is_recovery}}}}{PAGERDUTY} {SLACK}{{{{/is_recovery}}}}"
    )
    # Priority 1 without an explicit severity pages; notify_no_data also pages on missing data.
    api = rendered["api-down"]
    assert api.severity == "critical"
    assert f"{{{{#is_no_data}}}}{PAGERDUTY}{{{{/is_no_data}}}}" in api.inputs["message"]
    assert "#is_warning" not in api.inputs["message"]
    # No priority and no severity: a warning, so Slack on alert and email on warning.
    latency = rendered["latency"]
    assert latency.severity == "warning"
    assert f"{{{{#is_alert}}}}{SLACK}{{{{/is_alert}}}}" in latency.inputs["message"]
    assert f"{{{{#is_warning}}}}{EMAIL}{{{{/is_warning}}}}" in latency.inputs["message"]
    assert f"{{{{#is_recovery}}}}{SLACK} {EMAIL}{{{{/is_recovery}}}}" in latency.inputs["message"]


def test_overrides_change_thresholds_and_keep_the_query_in_step(repo: Path) -> None:
    rendered = render(
        repo,
        monitors={
            "cpu-high": {"thresholds": {"critical": 92.5, "warning": 85}, "renotifyInterval": 15},
            "latency": {"priority": 1, "notify": "@slack-latency-war-room"},
        },
    )
    cpu = rendered["cpu-high"].inputs
    assert cpu["monitor_thresholds"] == {"critical": "92.5", "warning": "85"}
    assert cpu["query"].endswith("by {host} > 92.5")
    assert cpu["renotify_interval"] == 15
    latency = rendered["latency"]
    assert latency.inputs["priority"] == "1"
    assert latency.severity == "critical"
    assert "{{#is_alert}}@slack-latency-war-room{{/is_alert}}" in latency.inputs["message"]
    assert PAGERDUTY not in latency.inputs["message"].split("{{#is_warning}}")[0]


def test_overrides_enable_and_disable_monitors(repo: Path) -> None:
    assert "quiet" not in render(repo)
    rendered = render(repo, monitors={"quiet": {"enabled": True}, "cpu-high": {"enabled": False}})
    assert "quiet" in rendered and "cpu-high" not in rendered


def test_an_override_for_an_unknown_monitor_is_an_error(repo: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        render(repo, "prod", monitors={"cpu-hihg": {"enabled": False}})
    (problem,) = raised.value.problems
    assert problem.source == "Pulumi.prod.yaml"
    assert problem.location == "observability:datadog.monitors.cpu-hihg"
    assert "did you mean 'cpu-high'" in problem.message


def test_an_override_that_breaks_a_monitor_names_the_override(repo: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        render(repo, "prod", monitors={"cpu-high": {"thresholds": {"warning": 95}}})
    (problem,) = raised.value.problems
    assert (problem.source, problem.location) == ("alerts/datadog/team.yaml", "cpu-high")
    assert problem.message.startswith("thresholds.warning: 95 must be below critical (80)")
    assert "observability:datadog.monitors.cpu-high in Pulumi.prod.yaml" in problem.message


def test_routing_without_handles_leaves_the_message_alone(repo: Path) -> None:
    settings = DatadogSettings(enabled=True)
    rendered = {m.id: m for m in render_monitors(load_catalog(repo), settings, "dev")}
    assert rendered["api-down"].inputs["message"] == "No requests"
