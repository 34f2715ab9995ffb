"""Vendored rule files: upstream's rules as upstream wrote them, completed by the stack.

Files under ``alerts/prometheus/vendor/`` (kube-prometheus, the mixins, awesome-prometheus-alerts,
Sloth output...) keep their own shape, so updating one is a copy from upstream and a reviewable diff.
What the house conventions would require of them comes from ``observability:prometheus.vendored``
instead::

    observability:prometheus:
      vendored:
        labels: {team: platform}                 # added where an alert does not set it
        severities: {page: critical, none: info} # upstream severity -> the one Alertmanager routes
        runbookUrlTemplate: https://runbooks.example.com/alerts/{alertname}

After that every vendored alert must have a severity Alertmanager routes, a ``team`` (whose receivers)
and a runbook link; what is missing is reported once per setting, with the alerts that need it.
Thresholds, ``for`` and severities are then overridden per alert like any other rule
(:func:`.rule_set.apply_overrides`), by ``numbers`` or ``expr`` where the expression has no final
``> N``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from infra.catalog.prometheus.loader import RuleFile
from infra.catalog.prometheus.model import HEARTBEAT, SEVERITIES, Rule, RuleGroup
from infra.catalog.prometheus.rule_set import RuleSet
from infra.errors import ProblemCollector

VENDORED_KEY_PREFIX = "observability:prometheus.vendored"
REQUIRED_VENDORED_LABELS = ("severity", "team")
"""What Alertmanager routes on. ``service`` (the inhibit rule's match) stays optional: upstream
alerts carry their own identifying labels (``job``, ``namespace``, ``pod``)."""
ROUTED_SEVERITIES = (*SEVERITIES, HEARTBEAT)
RUNBOOK_FIELDS = ("{alertname}", "{file}")


class VendoredDefaults(Protocol):
    """What a stack supplies (``infra.settings.prometheus.VendoredRulesSettings``)."""

    @property
    def labels(self) -> Mapping[str, str]: ...
    @property
    def severities(self) -> Mapping[str, str]: ...
    @property
    def runbook_url_template(self) -> str | None: ...


@dataclass
class _Missing:
    """Alerts that need one setting, grouped so a 100-alert file gives one message, not 100."""

    alerts: dict[str, list[str]]

    def add(self, source: str, alert: str) -> None:
        names = self.alerts.setdefault(source, [])
        if alert not in names:
            names.append(alert)

    @property
    def count(self) -> int:
        return sum(len(names) for names in self.alerts.values())

    def describe(self) -> str:
        files = sorted(self.alerts.items())
        listed = "; ".join(f"{source}: {_shorten(names, 4)}" for source, names in files[:3])
        if len(files) > 3:
            listed += f"; and {len(files) - 3} more files"
        return f"{self.count} vendored alert{'s' if self.count != 1 else ''} ({listed})"


def _shorten(names: list[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def adopt_vendored(
    rule_set: RuleSet,
    defaults: VendoredDefaults,
    source: str = "Pulumi.<stack>.yaml",
    *,
    key_prefix: str = VENDORED_KEY_PREFIX,
) -> RuleSet:
    """The rule set with each vendored alert completed by the stack's defaults.

    Raises :class:`~infra.errors.DefinitionError` naming ``source`` and the setting to add, with the
    alerts that need it, when a vendored alert still lacks a routed severity, a team or a runbook.
    """
    files, missing = _adopted(rule_set, defaults)
    problems = ProblemCollector()
    for key, alerts in sorted(missing.items()):
        problems.add(source, f"{key_prefix}.{key}", _advice(key, alerts))
    problems.raise_if_any()
    return RuleSet(tuple(files))


def missing_settings(rule_set: RuleSet, defaults: VendoredDefaults) -> dict[str, int]:
    """Setting (``labels.team``, ``severities.page``, ``runbookUrlTemplate``) -> how many vendored
    alerts still need it: what ``obsctl import prometheus`` tells each stack to add."""
    return {key: missing.count for key, missing in sorted(_adopted(rule_set, defaults)[1].items())}


def _adopted(rule_set: RuleSet, defaults: VendoredDefaults) -> tuple[list[RuleFile], dict[str, _Missing]]:
    missing: dict[str, _Missing] = {}
    files: list[RuleFile] = []
    for rule_file in rule_set.files:
        if not rule_file.vendored:
            files.append(rule_file)
            continue
        groups: list[RuleGroup] = []
        for group in rule_file.groups:
            rules = tuple(
                _adopt(rule, group, rule_file, defaults, missing) if rule.is_alert else rule
                for rule in group.rules
            )
            groups.append(group.model_copy(update={"rules": rules}))
        files.append(replace(rule_file, groups=tuple(groups)))
    return files, missing


def _adopt(
    rule: Rule,
    group: RuleGroup,
    rule_file: RuleFile,
    defaults: VendoredDefaults,
    missing: dict[str, _Missing],
) -> Rule:
    # Group labels (rule-file format since Prometheus 3) count as the alert's own.
    own = {**group.labels, **rule.labels}
    labels = {**{k: v for k, v in defaults.labels.items() if k not in own}, **rule.labels}
    severity = own.get("severity")
    if severity is not None and severity in defaults.severities:
        labels["severity"] = defaults.severities[severity]
    effective = {**group.labels, **labels}
    for label in REQUIRED_VENDORED_LABELS:
        if not effective.get(label):
            missing.setdefault(f"labels.{label}", _Missing({})).add(rule_file.source, rule.name)
    routed = effective.get("severity")
    if routed and routed not in ROUTED_SEVERITIES:
        missing.setdefault(f"severities.{routed}", _Missing({})).add(rule_file.source, rule.name)
    annotations = dict(rule.annotations)
    if not annotations.get("runbook_url", "").strip():
        template = defaults.runbook_url_template
        if template is None:
            missing.setdefault("runbookUrlTemplate", _Missing({})).add(rule_file.source, rule.name)
        else:
            stem = Path(rule_file.source).stem
            annotations["runbook_url"] = template.replace("{alertname}", rule.name).replace("{file}", stem)
    return rule.model_copy(update={"labels": labels, "annotations": annotations})


def _advice(key: str, missing: _Missing) -> str:
    who = missing.describe()
    if key.startswith("labels."):
        label = key.removeprefix("labels.")
        if label == "severity":
            return f"{who} set no severity label: give them a default ({label}: warning) here"
        return f"{who} set no {label} label, which Alertmanager routes on: give them a default here"
    if key.startswith("severities."):
        severity = key.removeprefix("severities.")
        return (
            f"{who} have severity {severity!r}, which Alertmanager does not route: map it to one of "
            f"{', '.join(ROUTED_SEVERITIES)} here"
        )
    return (
        f"{who} have no runbook_url annotation: set a link template here, e.g. "
        "https://runbooks.example.com/alerts/{alertname}"
    )
