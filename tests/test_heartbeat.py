"""The dead man's switch: an always-firing alert whose only destination is a heartbeat service.

Properties of whatever the repository holds: every stack that deploys Alertmanager has a heartbeat
alert, it reaches a webhook receiver and nothing else, no other alert reaches that receiver, and the
chart's own Watchdog is off so that only the repository's runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from infra.catalog.prometheus import load_rule_set
from infra.catalog.prometheus.model import HEARTBEAT
from infra.errors import DefinitionError
from obsctl.alert_paths import alertmanager_config, planned_alerts, receivers
from obsctl.plan import Plan

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_a_heartbeat_reaches_a_heartbeat_service_and_nothing_else(stack_plan: Plan) -> None:
    config = alertmanager_config(stack_plan)
    if config is None:
        pytest.skip(f"stack {stack_plan.stack} deploys no Alertmanager")
    integrations = {r["name"]: [k for k in r if k.endswith("_configs")] for r in config["receivers"]}
    alerts = list(planned_alerts(stack_plan))
    heartbeats = [a for a in alerts if a.get("severity") == HEARTBEAT]
    assert heartbeats, f"stack {stack_plan.stack}: no heartbeat alert, so a dead pipeline goes unnoticed"
    heartbeat_receivers = set()
    for labels in heartbeats:
        (receiver,) = receivers(config["route"], labels)
        assert integrations[receiver] == ["webhook_configs"], receiver
        heartbeat_receivers.add(receiver)
    for labels in alerts:
        if labels.get("severity") != HEARTBEAT:
            assert not heartbeat_receivers & set(receivers(config["route"], labels)), labels["alertname"]


def test_the_charts_own_watchdog_is_off(stack_plan: Plan) -> None:
    releases = [r for r in stack_plan.by_type(RELEASE) if r.inputs.get("chart") == "kube-prometheus-stack"]
    if not releases:
        pytest.skip("no kube-prometheus-stack release")
    for release in releases:
        assert release.inputs["values"]["defaultRules"]["disabled"]["Watchdog"] is True


RULE = """\
groups:
  - name: heartbeat
    rules:
      - alert: Watchdog
        expr: {expr}
        labels: {{severity: {severity}, team: platform, service: alerting-pipeline}}
        annotations:
          summary: The alerting pipeline is alive.
          description: Always firing.
          runbook_url: https://runbooks.example.com/alerts/Watchdog
"""


def _load(tmp_path: Path, expr: str, severity: str = HEARTBEAT) -> None:
    folder = tmp_path / "alerts" / "prometheus"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heartbeat.yaml").write_text(textwrap.dedent(RULE.format(expr=expr, severity=severity)))
    load_rule_set(tmp_path)


def test_a_heartbeat_needs_no_threshold(tmp_path: Path) -> None:
    _load(tmp_path, "vector(1)")


def test_a_heartbeat_that_depends_on_a_series_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        _load(tmp_path, "up{job='prometheus'} == 1")
    text = str(raised.value)
    assert "alerts/prometheus/heartbeat.yaml" in text and "Watchdog" in text
    assert "must fire whatever the metrics say" in text and "up{" in text


def test_an_unrouted_severity_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="'none' is not one of critical, warning, info"):
        _load(tmp_path, "vector(1)", severity="none")
