"""The drill report: a terminal table, JSON, and Markdown for a pull-request comment."""

from __future__ import annotations

import json
from typing import Any

from obsctl.drill.expectations import incident_clock
from obsctl.drill.lab import alert_label
from obsctl.drill.notifications import Notification
from obsctl.drill.run import DrillReport, ScenarioOutcome

MAX_TITLE = 90


def _short(text: str, limit: int = MAX_TITLE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _factor_line(report: DrillReport) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in sorted(report.tool_versions.items()))
    return (
        f"time compressed {report.factor:g}x (1 s of drill = {incident_clock(report.factor)} of incident); "
        f"{versions}"
    )


def _routing_secret(note: Notification, report_secrets: dict[str, str]) -> str:
    if note.routing_key and note.routing_key in report_secrets:
        return f" [key: secret {report_secrets[note.routing_key]}]"
    return ""


def _alert_rows(outcome: ScenarioOutcome) -> list[tuple[str, str, str]]:
    """(alert, fired at, where it landed) for each alert that fired."""
    result = outcome.result
    rows = []
    for key, alert in sorted(result.fired.items(), key=lambda item: item[1].fired_at):
        label = alert_label(key)
        if key in result.inhibited:
            where = "inhibited by " + ", ".join(result.inhibited[key])
        else:
            landed = sorted(
                {f"{n.receiver}/{n.integration}" for n in result.notifications if n.mentions(key[0])}
            )
            where = ", ".join(landed) or "no notification"
        rows.append((label, incident_clock(alert.fired_at), where))
    return rows


def render_text(report: DrillReport) -> str:
    secrets = report.secret_names
    lines = [f"Drill of stack {report.stack}: {len(report.outcomes)} scenarios, {_factor_line(report)}", ""]
    for outcome in report.outcomes:
        result = outcome.result
        spec = result.scenario
        verdict = "passed" if outcome.passed else "FAILED"
        lines.append(f"{spec.scenario.name} ({spec.source}): {verdict}")
        lines.append(f"  {_short(spec.scenario.description)}")
        rows = _alert_rows(outcome)
        if rows:
            width = max(len(r[0]) for r in rows)
            for alert, fired, where in rows:
                lines.append(f"    {alert:<{width}}  fired {fired:>7}  -> {where}")
        else:
            lines.append("    no alert fired")
        for note in result.notifications:
            if note.status != "firing":
                continue
            lines.append(
                f"    {note.receiver}/{note.integration}: {_short(note.title) or '(no title)'}"
                f"{_routing_secret(note, secrets)}"
            )
            for text_line in note.first_lines(2):
                lines.append(f"      | {_short(text_line)}")
        for failure in outcome.failures:
            lines.append(f"  error: {spec.scenario.name}: {failure}")
        lines.append("")
    lines += _coverage_lines(report)
    lines += _panel_lines(report)
    passed = sum(1 for o in report.outcomes if o.passed)
    lines.append(
        f"{passed} passed, {len(report.outcomes) - passed} failed "
        f"({report.wall_seconds:.1f} s){'' if report.passed else ': the drill failed'}"
    )
    return "\n".join(lines) + "\n"


def _coverage_lines(report: DrillReport) -> list[str]:
    vendored = (
        [
            f"coverage: {report.vendored_alerts} vendored alert(s) not drilled: upstream's rules, "
            "whose routes the plan proves"
        ]
        if report.vendored_alerts
        else []
    )
    if not report.coverage_checked:
        return ["coverage: not checked (only some scenarios ran)", *vendored, ""]
    if not report.uncovered:
        return ["coverage: every alert of the stack fired in a scenario", *vendored, ""]
    return [
        *vendored,
        f"error: coverage: {len(report.uncovered)} alert(s) no scenario makes fire: {', '.join(report.uncovered)}",
        "  add a scenario under drills/ that fires each, and says where it must land",
        "",
    ]


def _panel_lines(report: DrillReport) -> list[str]:
    if not report.panels_queried and not report.empty_panels:
        return []
    if not report.empty_panels:
        return [f"dashboards: every Prometheus panel returned series ({report.panels_queried} queries)", ""]
    lines = [f"dashboards: {len(report.empty_panels)} panel(s) returned no series in any scenario:"]
    lines += [f"  {panel.source}: {panel.panel}" for panel in report.empty_panels]
    return [*lines, ""]


def to_json(report: DrillReport) -> dict[str, Any]:
    secrets = report.secret_names
    return {
        "stack": report.stack,
        "factor": report.factor,
        "tools": report.tool_versions,
        "passed": report.passed,
        "wall_seconds": round(report.wall_seconds, 1),
        "scenarios": [
            {
                "name": o.result.scenario.scenario.name,
                "source": o.result.scenario.source,
                "passed": o.passed,
                "horizon_seconds": round(o.result.horizon),
                "alerts": [
                    {
                        "alert": key[0],
                        "severity": key[1],
                        "fired_at_seconds": round(alert.fired_at),
                        "inhibited_by": o.result.inhibited.get(key, []),
                    }
                    for key, alert in sorted(o.result.fired.items(), key=lambda item: item[1].fired_at)
                ],
                "notifications": [
                    {
                        "receiver": n.receiver,
                        "integration": n.integration,
                        "status": n.status,
                        "title": n.title,
                        "first_lines": n.first_lines(),
                        "routing_key_secret": secrets.get(n.routing_key or ""),
                    }
                    for n in o.result.notifications
                ],
                "failures": o.failures,
            }
            for o in report.outcomes
        ],
        "coverage_checked": report.coverage_checked,
        "uncovered_alerts": report.uncovered,
        "dashboards": {
            "queries": report.panels_queried,
            "empty_panels": [{"source": p.source, "panel": p.panel} for p in report.empty_panels],
        },
    }


def render_markdown(reports: list[DrillReport]) -> str:
    """One collapsible section per stack, for the pull-request comment."""
    out = ["## Alert drill", ""]
    for report in reports:
        passed = sum(1 for o in report.outcomes if o.passed)
        mark = "✅" if report.passed else "❌"
        out.append(
            f"<details{' open' if not report.passed else ''}><summary>{mark} <b>{report.stack}</b>: "
            f"{passed}/{len(report.outcomes)} scenarios passed</summary>"
        )
        out += ["", f"_{_factor_line(report)}_", ""]
        out += ["| scenario | alert | fired at | landed at |", "| --- | --- | --- | --- |"]
        for outcome in report.outcomes:
            name = outcome.result.scenario.scenario.name
            for alert, fired, where in _alert_rows(outcome) or [("(none)", "", "")]:
                out.append(f"| {name} | {alert} | {fired} | {where.replace('|', '/')} |")
        failures = [(o.result.scenario.scenario.name, f) for o in report.outcomes for f in o.failures]
        if failures or report.uncovered:
            out += ["", "**Failures**", ""]
            out += [f"- `{name}`: {failure}" for name, failure in failures]
            if report.uncovered:
                out.append(f"- no scenario fires: {', '.join(report.uncovered)}")
        if report.empty_panels:
            out += ["", f"Panels with no series in any scenario ({len(report.empty_panels)}):", ""]
            out += [f"- `{p.source}`: {p.panel}" for p in report.empty_panels]
        out += ["", "</details>", ""]
    return "\n".join(out)


def dumps(reports: list[DrillReport]) -> str:
    return json.dumps({"stacks": [to_json(r) for r in reports]}, indent=2, ensure_ascii=False) + "\n"
