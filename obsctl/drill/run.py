"""``obsctl drill STACK``: every scenario of ``drills/`` through the stack's real rules and routing.

Scenarios run side by side, each in a lab of its own (:mod:`.lab`). Before them, the baseline alone
runs as a scenario of its own that must fire nothing. Afterwards every alert of the stack must have
fired in some scenario: an alert no scenario fires is listed, and fails the drill.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra.catalog.drills import CatalogScenario, DrillCatalog, Scenario, load_drills, seconds
from infra.catalog.drills.model import Expectations
from infra.catalog.upstream_tools import MissingToolError, installed_version, tool_path
from infra.errors import DefinitionError
from obsctl.drill.dashboards import DashboardProbe, EmptyPanel
from obsctl.drill.expectations import check, is_background
from obsctl.drill.lab import AlertKey, ScenarioLab, ScenarioResult, default_horizon
from obsctl.drill.lab_config import ROUTE_TIMERS, LabConfigError
from obsctl.drill.processes import LabError, ProcessGroup, interruptible
from obsctl.drill.stack_inputs import StackDrillInputs, stack_inputs, stack_settings

DEFAULT_FACTOR = 120.0
"""One real second of drill is two minutes of incident: the longest ``for`` here (30m) takes 15 s."""
POLL_SECONDS = 0.2
BASELINE = "baseline"
TOOLS = ("prometheus", "alertmanager", "promtool")


@dataclass
class ScenarioOutcome:
    result: ScenarioResult
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class DrillReport:
    stack: str
    factor: float
    tool_versions: dict[str, str]
    outcomes: list[ScenarioOutcome] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    vendored_alerts: int = 0
    """Alerts of vendored rule files: not drilled (upstream tests them; the plan proves their routes)."""
    """Alerts of the stack that no scenario made fire (None checked when only some scenarios ran)."""
    coverage_checked: bool = True
    empty_panels: list[EmptyPanel] = field(default_factory=list)
    panels_queried: int = 0
    wall_seconds: float = 0.0
    secret_names: dict[str, str] = field(default_factory=dict)
    """Drill value -> the secret config key it stands for (to say which key a request carried)."""

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes) and not self.uncovered


def _tools() -> dict[str, Path]:
    found = {name: tool_path(name) for name in TOOLS}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise MissingToolError(*missing)
    return {name: path for name, path in found.items() if path is not None}


def _timers(inputs: StackDrillInputs) -> dict[str, float]:
    """The longest group_wait and group_interval of the routing tree, in incident seconds."""
    longest = {timer: seconds(default) for timer, default in ROUTE_TIMERS.items()}

    def visit(route: dict[str, object]) -> None:
        for timer in longest:
            if isinstance(route.get(timer), str):
                longest[timer] = max(longest[timer], seconds(str(route[timer])))
        for child in route.get("routes") or []:  # type: ignore[attr-defined]
            visit(child)

    visit(inputs.alertmanager.get("route") or {})
    return longest


def _baseline_scenario(catalog: DrillCatalog) -> CatalogScenario:
    """The healthy system alone: nothing may fire (built, not loaded: it expects no alert)."""
    scenario = Scenario.model_construct(
        name=BASELINE,
        description="The healthy system: every series at its baseline value, every target up.",
        stacks=None,
        duration=None,
        series=[],
        remove=[],
        targets={},
        expect=Expectations(),
    )
    return CatalogScenario(scenario, catalog.baseline_source or "drills/")


def _horizon(inputs: StackDrillInputs, scenario: Scenario, timers: dict[str, float]) -> float:
    if scenario.duration is not None:
        return seconds(scenario.duration)
    refs = [*scenario.expect.fire, *scenario.expect.inhibited, *scenario.expect.silent]
    alerts = [a for a in inputs.alerts if any(r.matches(a.name, a.severity) for r in refs)]
    return default_horizon(inputs, alerts if refs else inputs.alerts, timers)


def run_drill(
    project_dir: Path,
    stack: str,
    *,
    definitions_dir: Path | None = None,
    factor: float = DEFAULT_FACTOR,
    only: list[str] | None = None,
    parallel: int = 12,
    dashboards: bool = True,
) -> DrillReport:
    started = time.monotonic()
    root = (definitions_dir or project_dir).resolve()
    tools = _tools()
    catalog = load_drills(root)
    settings = stack_settings(project_dir, stack)
    inputs = stack_inputs(project_dir, stack, definitions_dir, settings)
    scenarios = catalog.for_stack(stack, [(rule.name, rule.severity) for rule in inputs.alerts])
    if only:
        unknown = sorted(set(only) - {s.scenario.name for s in scenarios} - {BASELINE})
        if unknown:
            raise DefinitionError.single("drills/", "", f"no scenario {', '.join(unknown)} for stack {stack}")
        chosen = [s for s in scenarios if s.scenario.name in only]
        scenarios = ([_baseline_scenario(catalog)] if BASELINE in only else []) + chosen
    else:
        scenarios = [_baseline_scenario(catalog), *scenarios]
    report = DrillReport(
        stack=stack,
        factor=factor,
        tool_versions={name: installed_version(path) or "unknown" for name, path in tools.items()},
        coverage_checked=not only,
        secret_names=inputs.secret_names,
        vendored_alerts=inputs.vendored_alerts,
    )
    probe = DashboardProbe.for_stack(settings, root) if dashboards else None
    timers = _timers(inputs)
    rules = inputs.alerts
    with interruptible(), tempfile.TemporaryDirectory(prefix="obsctl-drill-") as scratch:
        labs = [
            ScenarioLab(
                inputs,
                scenario,
                catalog.baseline,
                factor,
                Path(scratch) / scenario.scenario.name,
                tools,
                _horizon(inputs, scenario.scenario, timers),
            )
            for scenario in scenarios
        ]
        _run_labs(labs, inputs, max(1, parallel), probe)
    report.outcomes = [ScenarioOutcome(lab.result, check(lab.result, rules)) for lab in labs]
    if report.coverage_checked:
        fired: set[AlertKey] = {
            key
            for o in report.outcomes
            for key in o.result.fired
            if not is_background(key, o.result.scenario.scenario.expect)
        }
        report.uncovered = sorted({str(a) for a in rules if a.key not in fired})
    if probe is not None:
        report.empty_panels = probe.empty_panels()
        report.panels_queried = probe.queried
    report.wall_seconds = time.monotonic() - started
    return report


def _run_labs(
    labs: list[ScenarioLab], inputs: StackDrillInputs, parallel: int, probe: DashboardProbe | None
) -> None:
    """Run every lab, at most ``parallel`` at once, longest first, starting the next as one ends."""
    waiting = sorted(labs, key=lambda lab: -lab.result.horizon)
    running: list[ScenarioLab] = []
    with ProcessGroup() as group:
        while waiting or running:
            while waiting and len(running) < parallel:
                lab = waiting.pop(0)
                if _start(lab, group):
                    running.append(lab)
                else:
                    _end(lab, group, inputs, None)
            for lab in list(running):
                if time.monotonic() >= lab.deadline or lab.result.error is not None:
                    running.remove(lab)
                    _end(lab, group, inputs, probe)
                    continue
                try:
                    lab.poll()
                except (OSError, ValueError, KeyError) as error:
                    lab.result.error = f"the lab stopped answering: {error}"
            time.sleep(POLL_SECONDS)


def _start(lab: ScenarioLab, group: ProcessGroup, attempts: int = 3) -> bool:
    """Launch a lab; a port taken between choosing it and binding it gets the lab another try."""
    for attempt in range(attempts):
        try:
            lab.launch(group)
            lab.wait_ready()
            return True
        except (LabError, LabConfigError, OSError) as error:
            retry = "address already in use" in str(error) and attempt + 1 < attempts
            lab.stop_servers()
            group.stop(lab.processes)
            if not retry:
                lab.result.error = str(error)
                return False
            shutil.rmtree(lab.scratch, ignore_errors=True)
    return False


def _end(
    lab: ScenarioLab, group: ProcessGroup, inputs: StackDrillInputs, probe: DashboardProbe | None
) -> None:
    """Collect what the lab saw, query the dashboards against it, and stop it."""
    if lab.result.error is None:
        spec = lab.scenario.scenario.expect
        expected = [
            rule.key
            for rule in inputs.alerts
            if any(ref.matches(rule.name, rule.severity) for ref in spec.fire + spec.inhibited)
        ]
        lab.finish(expected)
        if probe is not None:
            probe.query(lab.prometheus_url, seconds(inputs.scrape_interval))
    lab.stop_servers()
    group.stop(lab.processes)
