"""The drill end to end: the real prometheus and alertmanager, the stack's planned rules and routing,
and the breakages a drill exists to catch. Each test runs one or two scenarios of a copy of the
definitions, so the suite stays fast; `make drill` runs them all for every stack."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from obsctl.drill.report import render_markdown, render_text, to_json
from obsctl.drill.run import DrillReport, run_drill
from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.slow


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    """A private copy of everything a stack plans and drills, for a test to break."""
    root = tmp_path / "definitions"
    for folder in ("alerts", "dashboards", "drills"):
        shutil.copytree(PROJECT_DIR / folder, root / folder)
    return root


def drill(definitions: Path | None, *scenarios: str, stack: str = "staging") -> DrillReport:
    return run_drill(PROJECT_DIR, stack, definitions_dir=definitions, only=list(scenarios), dashboards=False)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def errors(report: DrillReport) -> list[str]:
    return [line.strip() for line in render_text(report).splitlines() if line.strip().startswith("error:")]


def test_shipped_scenarios_fire_and_deliver_where_routing_says() -> None:
    report = drill(None, "baseline", "siem-forwarding-broken", "certificate-about-to-expire")
    assert report.passed, render_text(report)
    siem = next(o for o in report.outcomes if o.result.scenario.scenario.name == "siem-forwarding-broken")
    landed = {(n.receiver, n.integration) for n in siem.result.notifications if n.status == "firing"}
    # The heartbeat pings its service in every lab (drills/heartbeat.yaml judges it).
    assert landed - {("heartbeat", "webhook")} == {
        ("pagerduty-security", "pagerduty"),
        ("slack-security", "slack"),
    }
    page = next(n for n in siem.result.notifications if n.integration == "pagerduty")
    assert report.secret_names[page.routing_key or ""] == "pagerdutyStagingRoutingKey"
    certificate = next(
        o for o in report.outcomes if o.result.scenario.scenario.name == "certificate-about-to-expire"
    )
    assert certificate.result.inhibited == {
        ("TLSCertificateExpiring", "warning"): ["TLSCertificateExpiring (critical)"]
    }
    assert report.tool_versions["prometheus"] == "3.14.0"
    document = to_json(report)
    assert document["factor"] == 120 and document["passed"] is True
    siem_json = next(s for s in document["scenarios"] if s["name"] == "siem-forwarding-broken")
    assert any(
        n["receiver"] == "pagerduty-security" and n["routing_key_secret"] == "pagerdutyStagingRoutingKey"
        for n in siem_json["notifications"]
    )
    markdown = render_markdown([report])
    assert "| siem-forwarding-broken | SIEMIntegrationFailing (critical) |" in markdown
    assert "time compressed 120x" in markdown


def test_a_template_that_calls_an_undefined_template_breaks_the_drill(definitions: Path) -> None:
    edit(
        definitions / "alerts" / "alertmanager.yaml",
        "  - name: slack-platform\n    slack_configs:\n      - api_url: ${secret:slack-platform-webhook-url}\n",
        "  - name: slack-platform\n    slack_configs:\n      - api_url: ${secret:slack-platform-webhook-url}\n"
        "        pretext: '{{ template \"slack.drill.undefined\" . }}'\n",
    )
    report = drill(definitions, "gateway-pool-exhausted")
    # Alertmanager 0.34's Slack integration ignores template errors and posts what rendered before
    # the failing one: an attachment without text or runbook link, which the drill refuses.
    prefix = (
        "error: gateway-pool-exhausted: GatewayConnectionPoolExhausted: the notification at receiver "
        "slack-platform (slack) is not readable: "
    )
    assert errors(report) == [
        prefix + "its text is empty (a template failed? Alertmanager sends what rendered before the error)",
        prefix
        + "it has no runbook link (https://runbooks.example.com/alerts/GatewayConnectionPoolExhausted)",
    ]


def test_a_critical_alert_routed_to_the_wrong_team_breaks_the_drill(definitions: Path) -> None:
    edit(
        definitions / "alerts" / "alertmanager.yaml",
        "        - matchers: ['team=\"security\"']\n          receiver: pagerduty-security\n",
        "        - matchers: ['team=\"secops\"']\n          receiver: pagerduty-security\n",
    )
    report = drill(definitions, "siem-forwarding-broken")
    assert errors(report) == [
        "error: siem-forwarding-broken: SIEMIntegrationFailing: expected a notification at receiver "
        "pagerduty-security (pagerduty), none arrived; it reached pagerduty-platform (pagerduty), "
        "slack-security (slack)",
        "error: siem-forwarding-broken: SIEMIntegrationFailing (critical): reached receiver pagerduty-platform "
        "(pagerduty), which the scenario does not expect",
    ]


def test_an_inhibition_that_mutes_the_critical_alert_breaks_the_drill(definitions: Path) -> None:
    edit(
        definitions / "alerts" / "alertmanager.yaml",
        "inhibit_rules:\n",
        "inhibit_rules:\n"
        "  - source_matchers: ['severity=\"warning\"']\n"
        "    target_matchers: ['severity=\"critical\"']\n"
        "    equal: [alertname, service, instance]\n",
    )
    report = drill(definitions, "certificate-about-to-expire")
    found = errors(report)
    assert (
        "error: certificate-about-to-expire: TLSCertificateExpiring (critical): inhibited by "
        "TLSCertificateExpiring (warning): nobody is notified of it"
    ) in found
    assert (
        "error: certificate-about-to-expire: TLSCertificateExpiring: expected a notification at receiver "
        "pagerduty-platform (pagerduty), none arrived: inhibited by TLSCertificateExpiring (warning)"
    ) in found


def test_a_rule_whose_metric_no_longer_matches_the_scenario_breaks_the_drill(definitions: Path) -> None:
    edit(
        definitions / "alerts" / "prometheus" / "gateway.yaml",
        "gateway_connection_pool_in_use / gateway_connection_pool_size",
        "gateway_connection_pool_used / gateway_connection_pool_size",
    )
    report = drill(definitions, "gateway-pool-exhausted")
    (failure,) = errors(report)
    assert failure == (
        "error: gateway-pool-exhausted: GatewayConnectionPoolExhausted: expected to fire, but it did not "
        "(GatewayConnectionPoolExhausted (critical) inactive); no series matches gateway_connection_pool_used{}"
    )


def test_an_alert_no_scenario_fires_fails_coverage(definitions: Path) -> None:
    for path in (definitions / "drills").glob("*.yaml"):
        if path.name != "baseline.yaml":
            path.unlink()
    (definitions / "drills" / "one.yaml").write_text(
        "scenarios:\n  - name: one\n    description: OPA stops answering.\n    targets: {opa: down}\n"
        "    expect:\n      fire: [OPADown]\n      notifications:\n"
        "        - {alert: OPADown, receiver: pagerduty-platform, integration: pagerduty}\n"
        "        - {alert: OPADown, receiver: slack-platform, integration: slack}\n"
    )
    report = run_drill(PROJECT_DIR, "staging", definitions_dir=definitions, dashboards=False)
    assert all(o.passed for o in report.outcomes), render_text(report)
    assert not report.passed
    assert (
        "GatewayHighErrorRate (critical)" in report.uncovered and "OPADown (critical)" not in report.uncovered
    )
    # The heartbeat fired in that lab too, but only a scenario that lists it counts it.
    assert "Watchdog (heartbeat)" in report.uncovered
    assert "error: coverage:" in render_text(report)


def test_a_heartbeat_that_stops_repeating_or_reaches_people_breaks_the_drill(definitions: Path) -> None:
    alertmanager = definitions / "alerts" / "alertmanager.yaml"
    edit(alertmanager, "      repeat_interval: 1m\n", "      repeat_interval: 4h\n")
    (failure,) = errors(drill(definitions, "heartbeat"))
    assert failure.startswith("error: heartbeat: Watchdog: 1 notification(s) arrived at receiver heartbeat")
    assert "expected at least 3" in failure

    edit(
        alertmanager,
        "    - matchers: ['severity=\"heartbeat\"']\n",
        "    - matchers: ['severity=\"beat\"']\n",
    )
    found = errors(drill(definitions, "heartbeat"))
    assert (
        "error: heartbeat: Watchdog: expected a notification at receiver heartbeat (webhook), none arrived; "
        "it reached email-sre (email)"
    ) in found
    assert (
        "error: heartbeat: Watchdog (heartbeat): reached receiver email-sre (email), which the scenario does not expect"
        in found
    )


def _obsctl(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "obsctl.cli", *args],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children_until_exit(process: subprocess.Popen[str], interrupt_when_running: bool = False) -> set[int]:
    """Every process the run started, seen while it ran; with ``interrupt_when_running``, Ctrl-C
    (SIGINT) once its Prometheus runs."""
    parent = psutil.Process(process.pid)
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            children = parent.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        seen |= {c.pid for c in children}
        if interrupt_when_running and any("prometheus" in _name(c) for c in children):
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
            interrupt_when_running = False
        time.sleep(0.05)
    process.communicate(timeout=60)
    return seen


def _name(process: psutil.Process) -> str:
    """A child's name, or "" once it has exited: a short-lived child (git, a tool's version probe)
    can end between listing it and reading its name."""
    try:
        return process.name()
    except psutil.NoSuchProcess:
        return ""


def _alive(pids: set[int]) -> list[str]:
    alive = []
    for pid in pids:
        try:
            child = psutil.Process(pid)
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{pid} {child.cmdline()}")
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.mark.parametrize("outcome", ["passing", "failing", "interrupted"])
def test_no_process_outlives_a_drill(outcome: str, definitions: Path) -> None:
    if outcome == "failing":
        edit(
            definitions / "drills" / "security.yaml",
            "fire: [OPADown]",
            "fire: [OPADown, GatewayHighErrorRate]",
        )
    process = _obsctl(
        "drill", "staging", "--scenario", "opa-down", "--no-dashboards", "--definitions", str(definitions)
    )
    seen = _children_until_exit(process, interrupt_when_running=outcome == "interrupted")
    assert {p for p in seen}, "the drill started its processes"
    assert process.returncode == {"passing": 0, "failing": 1, "interrupted": 130}[outcome]
    assert _alive(seen) == []


def test_live_mode_delivers_a_drill_alert_through_a_running_alertmanager(tmp_path: Path) -> None:
    """The lab's Alertmanager stands in for a real one: the drill alert reaches its captured receivers,
    labelled drill="true", and is resolved."""
    from infra.catalog.drills import load_drills
    from infra.catalog.upstream_tools import require_tool
    from obsctl.drill.lab import ScenarioLab
    from obsctl.drill.processes import ProcessGroup
    from obsctl.drill.stack_inputs import stack_inputs

    inputs = stack_inputs(PROJECT_DIR, "staging")
    catalog = load_drills(PROJECT_DIR)
    baseline = next(s for s in catalog.scenarios if s.scenario.name == "gateway-slow")
    tools = {name: require_tool(name) for name in ("prometheus", "alertmanager", "promtool")}
    with ProcessGroup() as group:
        lab = ScenarioLab(inputs, baseline, catalog.baseline, 120, tmp_path / "lab", tools, 60)  # type: ignore[arg-type]
        try:
            lab.launch(group)
            lab.wait_ready()
            live = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "obsctl.cli",
                    "drill",
                    "staging",
                    "--alertmanager",
                    lab.alertmanager_url,
                    "--alert",
                    "SIEMIntegrationFailing",
                    "--hold",
                    "2",
                ],
                cwd=PROJECT_DIR,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert live.returncode == 0, live.stderr
            assert 'drill="true"' in live.stdout
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                notes = [n for n in lab.finish([]).notifications if n.mentions("SIEMIntegrationFailing")]
                if any(n.status == "resolved" and n.integration == "slack" for n in notes):
                    break
                time.sleep(0.5)
        finally:
            lab.stop_servers()
    firing = {(n.receiver, n.integration) for n in notes if n.status == "firing"}
    assert firing == {("pagerduty-security", "pagerduty"), ("slack-security", "slack")}
    assert any(n.status == "resolved" for n in notes), [n.title for n in notes]
    assert all("DRILL:" in n.body for n in notes if n.integration == "pagerduty")
    assert re.search(r"drill", " ".join(n.body for n in notes))


def test_a_stack_without_a_cluster_is_skipped_unless_named(tmp_path: Path) -> None:
    import yaml

    from tests.conftest import run_obsctl

    document = yaml.safe_load((PROJECT_DIR / "Pulumi.staging.yaml").read_text(encoding="utf-8"))
    for key in ("observability:monitoringCluster", "observability:prometheus", "observability:alertmanager"):
        document["config"].pop(key, None)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "Pulumi.bare.yaml").write_text(yaml.safe_dump(document))
    for folder in ("alerts", "dashboards", "drills"):
        shutil.copytree(PROJECT_DIR / folder, tmp_path / folder)
    named = run_obsctl("--project-dir", str(tmp_path), "drill", "bare")
    assert named.returncode == 1
    assert named.stderr.strip().endswith(
        "error: Pulumi.bare.yaml: observability:monitoringCluster: the stack deploys no Prometheus rules or "
        "Alertmanager: there is nothing to drill"
    ), named.stderr
    every = run_obsctl("--project-dir", str(tmp_path), "drill")
    assert every.returncode == 0, every.stderr
    assert "skipped stack bare: the stack deploys no Prometheus rules" in every.stderr


def test_dashboard_panels_are_queried_against_the_drill_data(definitions: Path) -> None:
    import json

    path = definitions / "dashboards" / "gateway" / "gateway-overview.json"
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    source = next(p for p in dashboard["panels"] if p.get("title") == "Request rate")
    dashboard["panels"].append(
        {
            "type": "timeseries",
            "title": "Queries a metric nothing serves",
            "datasource": source["datasource"],
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 500},
            "id": 9999,
            "targets": [{"refId": "A", "datasource": source["datasource"], "expr": "no_such_metric_total"}],
        }
    )
    path.write_text(json.dumps(dashboard, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report = run_drill(PROJECT_DIR, "staging", definitions_dir=definitions, only=["baseline"])
    empty = {(p.source, p.panel) for p in report.empty_panels}
    assert ("dashboards/gateway/gateway-overview.json", "Queries a metric nothing serves") in empty
    # `$instance` resolves to the lab's label values and `$__rate_interval` to a window: data comes back.
    assert ("dashboards/gateway/gateway-overview.json", "Request rate") not in empty
    assert report.panels_queried > len(empty)
    assert "Queries a metric nothing serves" in render_text(report)
    assert to_json(report)["dashboards"]["empty_panels"]
