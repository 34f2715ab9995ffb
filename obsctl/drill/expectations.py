"""What a scenario expected against what the lab saw: each failure says expected versus actual.

Strict by design: an alert that fires without being expected, and a notification that reaches a
receiver the scenario does not list, are failures too, so a routing change that adds a destination
shows up as clearly as one that removes one. The one exception is a heartbeat (severity
``heartbeat``), which fires in every lab by design: the scenarios that list it check it.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.catalog.drills.model import AlertRef, Expectations, ExpectedNotification
from infra.catalog.prometheus.model import HEARTBEAT
from obsctl.drill.lab import AlertKey, ScenarioResult, alert_label
from obsctl.drill.notifications import NO_VALUE, Notification
from obsctl.drill.stack_inputs import AlertRule


def _matching(ref: AlertRef, keys: Iterable[AlertKey]) -> list[AlertKey]:
    return [key for key in keys if ref.matches(*key)]


def is_background(key: AlertKey, expect: Expectations) -> bool:
    """A heartbeat fires in every lab: only the scenarios that list it judge it (and count it)."""
    return key[1] == HEARTBEAT and not any(ref.matches(*key) for ref in (*expect.fire, *expect.silent))


def _in_stack(ref: AlertRef, rules: list[AlertRule]) -> bool:
    return any(ref.matches(rule.name, rule.severity) for rule in rules)


def check(result: ScenarioResult, rules: list[AlertRule]) -> list[str]:
    """Every unmet expectation of ``result``'s scenario, one sentence each."""
    if result.error is not None:
        return [f"the lab failed: {result.error}"]
    expect = result.scenario.scenario.expect
    failures: list[str] = []
    fired = result.fired

    for ref in [*expect.fire, *expect.inhibited, *expect.silent]:
        if not _in_stack(ref, rules):
            failures.append(f"{ref}: no such alert in this stack's rules (disabled, renamed or removed?)")

    for ref in expect.fire + expect.inhibited:
        if not _in_stack(ref, rules) or _matching(ref, fired):
            continue
        tiers = [r.key for r in rules if ref.matches(r.name, r.severity)]
        states = ", ".join(f"{alert_label(k)} {result.rule_states.get(k, 'not loaded')}" for k in tiers)
        empty = sorted({s for k in tiers for s in result.empty_selectors.get(k, [])})
        why = f"; no series matches {', '.join(empty)}" if empty else ""
        failures.append(f"{ref}: expected to fire, but it did not ({states}){why}")

    for ref in expect.silent:
        for key in _matching(ref, fired):
            failures.append(
                f"{alert_label(key)}: expected to stay silent, but it fired at {incident_clock(fired[key].fired_at)}"
            )

    allowed = expect.fire + expect.inhibited
    for key, alert in fired.items():
        if not any(ref.matches(*key) for ref in allowed + expect.silent) and not is_background(key, expect):
            failures.append(
                f"{alert_label(key)}: fired at {incident_clock(alert.fired_at)}, but the scenario does not expect it "
                "(add it to expect.fire, or fix the series or the rule)"
            )

    for ref in expect.inhibited:
        for key in _matching(ref, fired):
            # Alertmanager's own status is the truth: an inhibited alert is never notified.
            if key not in result.inhibited:
                failures.append(
                    f"{alert_label(key)}: expected to be inhibited, but Alertmanager did not inhibit it"
                )

    for ref in expect.fire:
        for key in _matching(ref, fired):
            if key in result.inhibited:
                failures.append(
                    f"{alert_label(key)}: inhibited by {', '.join(result.inhibited[key])}: nobody is notified of it"
                )

    for expected in expect.notifications:
        failures.extend(_check_notification(expected, result, rules))

    for key in fired:
        if not any(ref.matches(*key) for ref in expect.fire):
            continue
        listed = {(n.receiver, n.integration) for n in expect.notifications if n.alert.matches(*key)}
        for note in _mentioning(result.notifications, key[0]):
            if (note.receiver, note.integration) not in listed and note.status == "firing":
                failures.append(
                    f"{alert_label(key)}: reached receiver {note.receiver} ({note.integration}), which the scenario "
                    "does not expect"
                )
    return _unique(failures)


def _check_notification(
    expected: ExpectedNotification, result: ScenarioResult, rules: list[AlertRule]
) -> list[str]:
    ref = expected.alert
    where = f"receiver {expected.receiver} ({expected.integration})"
    fired = _matching(ref, result.fired)
    if not fired:
        return []  # reported above: the alert did not fire
    keys = [key for key in fired if key not in result.inhibited]
    if not keys:
        should_notify = [k for k in fired if any(f.matches(*k) for f in result.scenario.scenario.expect.fire)]
        by = sorted({name for key in should_notify or fired for name in result.inhibited[key]})
        return [f"{ref}: expected a notification at {where}, none arrived: inhibited by {', '.join(by)}"]
    delivered = [
        n
        for n in result.notifications
        if n.receiver == expected.receiver and n.integration == expected.integration and n.mentions(ref.alert)
    ]
    if not delivered:
        elsewhere = sorted(
            {f"{n.receiver} ({n.integration})" for n in _mentioning(result.notifications, ref.alert)}
        )
        errors = [line for line in result.alertmanager_errors if expected.receiver in line]
        detail = f"; it reached {', '.join(elsewhere)}" if elsewhere else "; it reached no receiver"
        if errors:
            detail += f"; Alertmanager: {_error_text(errors[-1])}"
        return [f"{ref}: expected a notification at {where}, none arrived{detail}"]
    if len(delivered) < expected.repeats:
        return [
            f"{ref}: {len(delivered)} notification(s) arrived at {where}, expected at least {expected.repeats}: "
            "its route's repeat_interval does not repeat it"
        ]
    note = delivered[0]
    rule_annotations = next(
        (r.annotations for r in rules if ref.matches(r.name, r.severity) and (r.name, r.severity) in keys), {}
    )
    severity = next((k[1] for k in keys if k[1]), None)
    problems = []
    blank = " (a template failed? Alertmanager sends what rendered before the error)"
    if not note.title and expected.integration not in ("webhook",):
        problems.append(f"its title is empty{blank}")
    if not note.text:
        problems.append(f"its text is empty{blank}")
    if NO_VALUE in note.body:
        problems.append(f"it shows {NO_VALUE} (a template reads a label or annotation the alert lacks)")
    runbook = rule_annotations.get("runbook_url")
    if runbook and runbook not in note.body:
        problems.append(f"it has no runbook link ({runbook})")
    if severity and severity.lower() not in note.body.lower():
        problems.append(f"it does not show the severity ({severity})")
    for text in expected.contains:
        if text not in note.body:
            problems.append(f"it does not contain {text!r}")
    return [f"{ref}: the notification at {where} is not readable: {problem}" for problem in problems]


def _mentioning(notifications: list[Notification], alert: str) -> list[Notification]:
    return [n for n in notifications if n.mentions(alert)]


def _error_text(line: str) -> str:
    marker = 'err="'
    return line[line.index(marker) + len(marker) :].rstrip('"') if marker in line else line


def incident_clock(incident_seconds: float) -> str:
    """``5m46s``: a time of the incident, for reports."""
    minutes, secs = divmod(round(incident_seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
