"""The rule files of ``alerts/prometheus/``, and rendering them for one stack.

A stack overrides an alert by name in ``Pulumi.<stack>.yaml``::

    observability:prometheus:
      rules:
        GatewayHighErrorRate: {threshold: 0.02, for: 10m}
        HighMemoryUsage:critical: {threshold: 0.95}   # one tier of a warning/critical pair
        LowUserActivity: {enabled: false}

The threshold is the number the expression ends with (see :mod:`.threshold`); ``for`` and
``severity`` replace the rule's own; ``enabled: false`` leaves the rule out.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.catalog.prometheus.loader import RuleFile, load_rule_file, relative_source, rule_location
from infra.catalog.prometheus.model import Rule
from infra.catalog.prometheus.threshold import format_number, replace_threshold
from infra.catalog.safe_files import require_inside, write_atomically
from infra.catalog.strict_yaml import dump
from infra.errors import DefinitionError, ProblemCollector

RULES_DIR = "alerts/prometheus"
OVERRIDE_KEY_PREFIX = "observability:prometheus.rules"
TIER_SEPARATOR = ":"


class RuleOverride(Protocol):
    """What a stack may change about one alert (``infra.settings.prometheus.RuleOverride``)."""

    @property
    def threshold(self) -> float | None: ...
    @property
    def for_(self) -> str | None: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...


@dataclass(frozen=True)
class AlertRef:
    file_index: int
    group_index: int
    rule_index: int
    location: str
    rule: Rule

    @property
    def severity(self) -> str:
        return self.rule.labels.get("severity", "")


@dataclass(frozen=True)
class RuleSet:
    files: tuple[RuleFile, ...]

    def alerts_by_name(self) -> dict[str, list[AlertRef]]:
        """Alert name -> its rules; more than one when an alert has tiers (warning and critical)."""
        index: dict[str, list[AlertRef]] = {}
        for file_index, rule_file in enumerate(self.files):
            for group_index, group in enumerate(rule_file.groups):
                location = rule_file.group_locations[group_index]
                for rule_index, rule in enumerate(group.rules):
                    if rule.alert is not None:
                        ref = AlertRef(
                            file_index, group_index, rule_index, f"{location}.rules[{rule_index}]", rule
                        )
                        index.setdefault(rule.alert, []).append(ref)
        return index

    def override_keys(self) -> list[str]:
        """Every key a stack may set: ``Name``, and ``Name:severity`` for each tier of a tiered alert."""
        keys = []
        for name, refs in sorted(self.alerts_by_name().items()):
            keys.append(name)
            if len(refs) > 1:
                keys.extend(f"{name}{TIER_SEPARATOR}{ref.severity}" for ref in refs)
        return keys


@dataclass(frozen=True)
class RenderedRuleFile:
    """One rule file as a stack deploys it: upstream ``groups`` ready for a PrometheusRule's spec."""

    name: str
    source: str
    groups: tuple[dict[str, Any], ...]

    def document(self) -> dict[str, Any]:
        return {"groups": list(self.groups)}

    @classmethod
    def from_rule_file(cls, rule_file: RuleFile) -> RenderedRuleFile:
        return cls(rule_file.name, rule_file.source, tuple(g.to_upstream() for g in rule_file.groups))


def load_rule_set(root: Path, directory: str = RULES_DIR, *, strict: bool = True) -> RuleSet:
    """Every ``*.yaml``/``*.yml`` rule file under ``root/directory``; all problems in one error."""
    problems = ProblemCollector()
    files: list[RuleFile] = []
    paths = sorted([*(root / directory).glob("*.yaml"), *(root / directory).glob("*.yml")])
    for path in paths:
        try:
            require_inside(path, root, relative_source(path, root))
            files.append(load_rule_file(path, root, strict=strict))
        except DefinitionError as error:
            problems.extend(error)
    rule_set = RuleSet(tuple(files))
    _check_unique_tiers(rule_set, problems)
    problems.raise_if_any()
    return rule_set


def _check_unique_tiers(rule_set: RuleSet, problems: ProblemCollector) -> None:
    """An alert name may repeat only with different severities: overrides address tiers that way."""
    for name, refs in rule_set.alerts_by_name().items():
        by_severity: dict[str, AlertRef] = {}
        for ref in refs:
            first = by_severity.setdefault(ref.severity, ref)
            if first is not ref:
                source = rule_set.files[ref.file_index].source
                problems.add(
                    source,
                    rule_location(ref.location, ref.rule),
                    f"alert {name} with severity {ref.severity!r} is already defined in "
                    f"{rule_set.files[first.file_index].source} ({first.location}); give the rules "
                    "different names or severities",
                )


def apply_overrides(
    rule_set: RuleSet,
    overrides: Mapping[str, RuleOverride],
    source: str = "Pulumi.<stack>.yaml",
    *,
    key_prefix: str = OVERRIDE_KEY_PREFIX,
) -> tuple[RenderedRuleFile, ...]:
    """The rule files with one stack's overrides applied, in the rule set's order.

    Raises :class:`DefinitionError` naming ``source`` and ``<key_prefix>.<Name>`` for an unknown
    alert, an ambiguous tier, or a threshold the expression cannot take.
    """
    problems = ProblemCollector()
    index = rule_set.alerts_by_name()
    replaced: dict[tuple[int, int, int], Rule | None] = {}
    for key in sorted(overrides):
        override = overrides[key]
        config_key = f"{key_prefix}.{key}"
        refs = _resolve(key, index, rule_set, source, config_key, problems)
        if refs and len(refs) > 1 and (override.threshold is not None or override.severity is not None):
            tiers = ", ".join(f"{key}{TIER_SEPARATOR}{ref.severity}" for ref in refs)
            problems.add(
                source,
                config_key,
                f"{key} has {len(refs)} tiers, so threshold and severity need one of: {tiers}",
            )
            continue
        for ref in refs:
            position = (ref.file_index, ref.group_index, ref.rule_index)
            current = replaced.get(position, ref.rule)
            if current is not None:
                replaced[position] = _override_rule(current, override, source, config_key, problems)
    problems.raise_if_any()
    rendered = tuple(_render_file(i, f, replaced) for i, f in enumerate(rule_set.files))
    _check_rendered_tiers(rendered, source, key_prefix, problems)
    problems.raise_if_any()
    return rendered


def _resolve(
    key: str,
    index: Mapping[str, list[AlertRef]],
    rule_set: RuleSet,
    source: str,
    config_key: str,
    problems: ProblemCollector,
) -> list[AlertRef]:
    name, _, tier = key.partition(TIER_SEPARATOR)
    refs = index.get(name, [])
    if tier:
        refs = [ref for ref in refs if ref.severity == tier]
    if not refs:
        close = difflib.get_close_matches(key, rule_set.override_keys(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.add(source, config_key, f"no alert in {RULES_DIR}/ is named {key}{hint}")
    return refs


def _override_rule(
    rule: Rule, override: RuleOverride, source: str, config_key: str, problems: ProblemCollector
) -> Rule | None:
    if not override.enabled:
        return None
    update: dict[str, Any] = {}
    if override.threshold is not None:
        try:
            update["expr"] = replace_threshold(rule.expr, override.threshold)
        except ValueError as error:
            problems.add(
                source,
                f"{config_key}.threshold",
                f"= {format_number(override.threshold)} cannot be applied: the expression {error}",
            )
    if override.for_ is not None:
        update["for_"] = override.for_
    if override.severity is not None:
        update["labels"] = {**rule.labels, "severity": override.severity}
    return rule.model_copy(update=update)


def _render_file(
    file_index: int, rule_file: RuleFile, replaced: Mapping[tuple[int, int, int], Rule | None]
) -> RenderedRuleFile:
    groups: list[dict[str, Any]] = []
    for group_index, group in enumerate(rule_file.groups):
        rules: list[Rule] = []
        for rule_index, rule in enumerate(group.rules):
            kept = replaced.get((file_index, group_index, rule_index), rule)
            if kept is not None:
                rules.append(kept)
        if rules:
            # A group whose rules are all disabled is left out: Prometheus would evaluate nothing.
            groups.append(group.model_copy(update={"rules": tuple(rules)}).to_upstream())
    return RenderedRuleFile(rule_file.name, rule_file.source, tuple(groups))


def _check_rendered_tiers(
    rendered: Iterable[RenderedRuleFile], source: str, key_prefix: str, problems: ProblemCollector
) -> None:
    seen: set[tuple[str, str]] = set()
    for rendered_file in rendered:
        for group in rendered_file.groups:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                tier = (rule["alert"], rule.get("labels", {}).get("severity", ""))
                if tier in seen:
                    problems.add(
                        source,
                        f"{key_prefix}.{tier[0]}",
                        f"leaves two {tier[0]} rules with severity {tier[1]!r}: Alertmanager could "
                        "not tell them apart",
                    )
                seen.add(tier)


def write_rule_files(rendered: Iterable[RenderedRuleFile], directory: Path) -> list[Path]:
    """Write each rendered file as ``<directory>/<name>.yaml`` for ``promtool check rules``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for rendered_file in rendered:
        path = directory / f"{rendered_file.name}.yaml"
        write_atomically(path, dump(rendered_file.document()))
        paths.append(path)
    return paths
