"""One scenario's lab: a real Prometheus and Alertmanager, the scrape target and the capture sinks.

Each scenario runs in a lab of its own, so no scenario's series or alerts reach another's; labs run
side by side. The life of a lab: :meth:`ScenarioLab.launch` writes the configuration into a scratch
directory and starts everything, :meth:`ScenarioLab.poll` records what Prometheus fires and what
Alertmanager inhibits, :meth:`ScenarioLab.finish` collects the notifications and the diagnosis.
The processes belong to the caller's :class:`ProcessGroup`, which stops them on every path.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.catalog.drills import Baseline, CatalogScenario, Series, seconds
from infra.catalog.prometheus.selectors import vector_selectors
from obsctl.drill.lab_config import (
    DRILL_JOB,
    RESEND_DELAY,
    alertmanager_lab,
    bind_ports,
    lab_scrape_seconds,
    prometheus_config,
    scale,
    scaled_rule_groups,
)
from obsctl.drill.notifications import Notification, read_notification
from obsctl.drill.processes import LabError, LabProcess, ProcessGroup
from obsctl.drill.series import Clock, ServedSeries, exposition, history, history_moments
from obsctl.drill.sinks import LOOPBACK, Captures, LabHTTPServer, SMTPSinks, free_port
from obsctl.drill.stack_inputs import AlertRule, StackDrillInputs

SETTLE_SECONDS = 1.5
"""Real time after the horizon for the last notification to arrive (HTTP round trips, retries)."""
AlertKey = tuple[str, str | None]


def alert_label(key: AlertKey) -> str:
    """``NodeDiskSpaceLow (critical)``: how reports name one tier of an alert."""
    return f"{key[0]} ({key[1]})" if key[1] else key[0]


@dataclass
class FiredAlert:
    name: str
    severity: str | None
    labels: dict[str, str]
    fired_at: float
    """Incident time (seconds since the scenario started, scaled back) when it was first seen firing."""


@dataclass
class ScenarioResult:
    scenario: CatalogScenario
    horizon: float
    """Incident seconds the lab watched."""
    fired: dict[AlertKey, FiredAlert] = field(default_factory=dict)
    inhibited: dict[AlertKey, list[str]] = field(default_factory=dict)
    """Alert -> the alerts that inhibited it."""
    notifications: list[Notification] = field(default_factory=list)
    alertmanager_errors: list[str] = field(default_factory=list)
    empty_selectors: dict[AlertKey, list[str]] = field(default_factory=dict)
    """Alerts that did not fire -> selectors of their expression that match no series in the lab."""
    rule_states: dict[AlertKey, str] = field(default_factory=dict)
    error: str | None = None
    """The lab itself failed (a process did not start): nothing else is meaningful then."""


def _get_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def scenario_series(baseline: Baseline, scenario: CatalogScenario) -> list[Any]:
    """The baseline, with the scenario's series replacing those of the same metric and labels."""
    spec = scenario.scenario
    removed = {ref.identity for ref in spec.remove} | {s.identity for s in spec.series}
    return [s for s in baseline.series if s.identity not in removed] + list(spec.series)


def default_horizon(inputs: StackDrillInputs, alerts: list[AlertRule], lab_timers: dict[str, float]) -> float:
    """Incident seconds to watch: the longest ``for`` of ``alerts``, plus time to scrape, evaluate,
    group and notify."""
    longest = max((seconds(a.for_) for a in alerts if a.for_), default=0.0)
    return (
        longest
        + 2 * seconds(inputs.scrape_interval)
        + 3 * seconds(inputs.evaluation_interval)
        + lab_timers["group_wait"]
        + lab_timers["group_interval"]
    )


class ScenarioLab:
    def __init__(
        self,
        inputs: StackDrillInputs,
        scenario: CatalogScenario,
        baseline: Baseline,
        factor: float,
        scratch: Path,
        tools: dict[str, Path],
        horizon: float,
    ) -> None:
        self.inputs = inputs
        self.scenario = scenario
        self.factor = factor
        self.scratch = scratch
        self.tools = tools
        self.result = ScenarioResult(scenario=scenario, horizon=horizon)
        spec = scenario.scenario
        self.targets: dict[str, str] = {**baseline.targets, **spec.targets}
        self.series = scenario_series(baseline, scenario)
        self.served: list[ServedSeries] = []
        self.captures = Captures()
        self.started = 0.0
        self.http: LabHTTPServer | None = None
        self.smtp: SMTPSinks | None = None
        self.prometheus: LabProcess | None = None
        self.alertmanager: LabProcess | None = None
        self.prometheus_url = ""
        self.alertmanager_url = ""
        self.scrape_seconds = lab_scrape_seconds(inputs.scrape_interval, factor)

    # -- life cycle ---------------------------------------------------------------------------

    def launch(self, group: ProcessGroup) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        lab = alertmanager_lab(self.inputs.alertmanager, self.factor)
        self.http = LabHTTPServer(self._metrics, self.targets, lab.http_endpoints, self.captures)
        self.http.start()
        self.smtp = SMTPSinks(lab.smtp_endpoints, self.captures)
        self.smtp.start()
        config = bind_ports(lab.config, f"http://{LOOPBACK}:{self.http.port}", self.smtp.ports)
        (self.scratch / "alertmanager.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        am_port, prom_port = free_port(), free_port()
        self.alertmanager_url = f"http://{LOOPBACK}:{am_port}"
        self.prometheus_url = f"http://{LOOPBACK}:{prom_port}"
        rule_files = []
        for name, groups in self.inputs.rule_files.items():
            path = self.scratch / "rules" / f"{name}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(
                yaml.safe_dump({"groups": scaled_rule_groups(groups, self.factor)}, sort_keys=False)
            )
            rule_files.append(str(path))
        prometheus_yml = prometheus_config(
            scrape_seconds=self.scrape_seconds,
            evaluation_interval=self.inputs.evaluation_interval,
            factor=self.factor,
            alertmanager_port=am_port,
            target_port=self.http.port,
            jobs=sorted(self.targets),
            rule_files=rule_files,
        )
        (self.scratch / "prometheus.yml").write_text(yaml.safe_dump(prometheus_yml, sort_keys=False))
        clock = Clock(start=time.time(), factor=self.factor)
        self.served = [ServedSeries(s, clock) for s in self.series]
        self._write_history(clock)
        self.alertmanager = group.start(
            "alertmanager",
            [
                str(self.tools["alertmanager"]),
                f"--config.file={self.scratch / 'alertmanager.yml'}",
                f"--storage.path={self.scratch / 'alertmanager-data'}",
                f"--web.listen-address={LOOPBACK}:{am_port}",
                "--cluster.listen-address=",
            ],
            self.scratch / "alertmanager.log",
            f"{self.alertmanager_url}/-/ready",
        )
        self.prometheus = group.start(
            "prometheus",
            [
                str(self.tools["prometheus"]),
                f"--config.file={self.scratch / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.scratch / 'prometheus-data'}",
                f"--web.listen-address={LOOPBACK}:{prom_port}",
                f"--rules.alert.resend-delay={scale(RESEND_DELAY, self.factor)}",
                # Targets are applied every 5 s by default: a drill cannot wait that long to scrape.
                "--scrape.discovery-reload-interval=100ms",
            ],
            self.scratch / "prometheus.log",
            f"{self.prometheus_url}/-/ready",
        )
        self.started = time.monotonic()

    def _write_history(self, clock: Clock) -> None:
        """Backfill the scenario's past into the storage Prometheus is about to open."""
        path = self.scratch / "history.om"
        assert self.http is not None
        scraped_as = {"job": DRILL_JOB, "instance": f"{LOOPBACK}:{self.http.port}"}
        moments = history_moments(clock, seconds(self.inputs.scrape_interval), self.scrape_seconds)
        # Each scrape job's `up` has a past too; the scrapes themselves only add it from now on.
        ups = [
            ServedSeries(
                Series(metric="up", labels={**scraped_as, "job": job}, value=1 if state == "up" else 0), clock
            )
            for job, state in sorted(self.targets.items())
        ]
        path.write_text(history([*self.served, *ups], moments, scraped_as))
        completed = subprocess.run(
            [
                str(self.tools["promtool"]),
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                str(path),
                str(self.scratch / "prometheus-data"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if completed.returncode != 0:
            raise LabError(f"promtool could not write the scenario's history:\n{completed.stderr[-2000:]}")

    def wait_ready(self) -> None:
        assert self.alertmanager is not None and self.prometheus is not None
        self.alertmanager.wait_ready()
        self.prometheus.wait_ready()

    def _metrics(self) -> str:
        return exposition(self.served, time.time())

    def incident_time(self, moment: float | None = None) -> float:
        return ((time.monotonic() if moment is None else moment) - self.started) * self.factor

    @property
    def deadline(self) -> float:
        return self.started + self.result.horizon / self.factor + SETTLE_SECONDS

    # -- observation ----------------------------------------------------------------------------

    def poll(self) -> None:
        rules = _get_json(f"{self.prometheus_url}/api/v1/rules?type=alert")
        now = self.incident_time()
        for group in rules["data"]["groups"]:
            for rule in group["rules"]:
                key = (rule["name"], (rule.get("labels") or {}).get("severity"))
                self.result.rule_states[key] = rule.get("state", "inactive")
                for alert in rule.get("alerts") or []:
                    if alert.get("state") == "firing" and key not in self.result.fired:
                        self.result.fired[key] = FiredAlert(key[0], key[1], dict(alert["labels"]), now)
        alerts = _get_json(f"{self.alertmanager_url}/api/v2/alerts?inhibited=true&silenced=true")
        by_fingerprint = {a["fingerprint"]: a["labels"] for a in alerts}
        for alert in alerts:
            inhibitors = alert.get("status", {}).get("inhibitedBy") or []
            if inhibitors:
                key = (alert["labels"].get("alertname", ""), alert["labels"].get("severity"))
                names = sorted(
                    {_tier(by_fingerprint[f]) for f in inhibitors if f in by_fingerprint} or {"(resolved)"}
                )
                self.result.inhibited[key] = names

    def finish(self, expected: list[AlertKey]) -> ScenarioResult:
        """Last look, then what the sinks got, what Alertmanager logged, and why expected alerts
        did not fire."""
        try:
            self.poll()
            for key in expected:
                if key not in self.result.fired:
                    self.result.empty_selectors[key] = self._empty_selectors(key)
        except (urllib.error.URLError, OSError, KeyError, ValueError) as error:
            self.result.error = self.result.error or f"the lab stopped answering: {error}"
        self.result.notifications = sorted(
            (read_notification(c) for c in self.captures.all()), key=lambda n: n.received
        )
        if self.alertmanager is not None:
            self.result.alertmanager_errors = _notify_errors(self.alertmanager.log_path)
        return self.result

    @property
    def processes(self) -> list[LabProcess]:
        return [p for p in (self.prometheus, self.alertmanager) if p is not None]

    def stop_servers(self) -> None:
        if self.http is not None:
            self.http.stop()
        if self.smtp is not None:
            self.smtp.stop()

    def _empty_selectors(self, key: AlertKey) -> list[str]:
        empty = []
        for rule in self.inputs.alerts:
            if rule.key != key and not (key[1] is None and rule.name == key[0]):
                continue
            try:
                selectors = vector_selectors(rule.expr)
            except ValueError:
                continue
            for selector in selectors:
                query = urllib.parse.urlencode({"query": f"count({selector})"})
                found = _get_json(f"{self.prometheus_url}/api/v1/query?{query}")["data"]["result"]
                if not found and selector not in empty:
                    empty.append(selector)
        return empty


def _tier(labels: dict[str, str]) -> str:
    return alert_label((labels.get("alertname", "?"), labels.get("severity")))


def _notify_errors(log_path: Path) -> list[str]:
    """Alertmanager's own words when a notification failed (template errors, refused requests)."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if ("level=ERROR" in line or "level=WARN" in line) and "otif" in line]
