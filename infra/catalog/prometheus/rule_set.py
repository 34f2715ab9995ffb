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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.catalog.prometheus.loader import RuleFile, load_rule_file, relative_source, rule_location
from infra.catalog.prometheus.model import Rule
from infra.catalog.prometheus.threshold import (
    format_number,
    number_literals,
    parse,
    replace_number,
    replace_threshold,
)
from infra.catalog.safe_files import require_inside, write_atomically
from infra.catalog.strict_yaml import dump
from infra.errors import DefinitionError, ProblemCollector

RULES_DIR = "alerts/prometheus"
VENDOR_DIR = "vendor"
"""Under :data:`RULES_DIR`: rule files kept in upstream's shape (see :mod:`.vendored`)."""
RULE_FILE_SUFFIXES = (".yaml", ".yml")
OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_OBJECT_NAME = 253
OVERRIDE_KEY_PREFIX = "observability:prometheus.rules"
TIER_SEPARATOR = ":"


class RuleOverride(Protocol):
    """What a stack may change about one alert (``infra.settings.prometheus.RuleOverride``)."""

    @property
    def threshold(self) -> float | None: ...
    @property
    def numbers(self) -> Mapping[str, float]: ...
    @property
    def expr(self) -> str | None: ...
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
    vendored: bool = False

    def document(self) -> dict[str, Any]:
        return {"groups": list(self.groups)}

    @classmethod
    def from_rule_file(cls, rule_file: RuleFile) -> RenderedRuleFile:
        groups = tuple(g.to_upstream() for g in rule_file.groups)
        return cls(rule_file.name, rule_file.source, groups, rule_file.vendored)


def load_rule_set(root: Path, directory: str = RULES_DIR, *, strict: bool = True) -> RuleSet:
    """Every rule file of ``root/directory`` and, vendored, of its ``vendor/`` folder.

    All problems come in one error.
    """
    problems = ProblemCollector()
    files: list[RuleFile] = []
    for folder, vendored in ((root / directory, False), (root / directory / VENDOR_DIR, True)):
        for path in _rule_paths(folder):
            try:
                require_inside(path, root, relative_source(path, root))
                files.append(load_rule_file(path, root, strict=strict, vendored=vendored))
            except DefinitionError as error:
                problems.extend(error)
    rule_set = RuleSet(tuple(files))
    _check_object_names(rule_set, problems)
    _check_unique_tiers(rule_set, problems)
    problems.raise_if_any()
    return rule_set


def _rule_paths(folder: Path) -> list[Path]:
    # Other files are named by infra.catalog.inventory (every definition folder is read or refused).
    return sorted(p for suffix in RULE_FILE_SUFFIXES for p in folder.glob(f"*{suffix}") if not p.is_dir())


def _check_object_names(rule_set: RuleSet, problems: ProblemCollector) -> None:
    """Each file becomes a ``PrometheusRule`` named after it: a Kubernetes object name, unique."""
    seen: dict[str, str] = {}
    for rule_file in rule_set.files:
        name = rule_file.name
        if not (OBJECT_NAME.match(name) and len(name) <= MAX_OBJECT_NAME):
            problems.add(
                rule_file.source,
                "",
                f"the file name becomes the PrometheusRule {name!r}, which must be lower-case letters, "
                f"digits and dashes: rename it to {Path(rule_file.source).parent.as_posix()}/"
                f"{suggest_object_name(Path(rule_file.source).stem)}.yaml",
            )
        elif name in seen:
            problems.add(rule_file.source, "", f"becomes the PrometheusRule {name!r}, as {seen[name]} does")
        seen.setdefault(name, rule_file.source)


def suggest_object_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_OBJECT_NAME] or "rules"


def _check_unique_tiers(rule_set: RuleSet, problems: ProblemCollector) -> None:
    """An alert name may repeat only with different severities: overrides address tiers that way.

    Between vendored files a repeat is allowed: upstream rule sets overlap (kube-prometheus ships the
    node mixin's alerts), Alertmanager merges identical alerts, and an override changes every copy.
    """
    for name, refs in rule_set.alerts_by_name().items():
        by_severity: dict[str, AlertRef] = {}
        for ref in refs:
            first = by_severity.setdefault(ref.severity, ref)
            vendored = rule_set.files[ref.file_index].vendored and rule_set.files[first.file_index].vendored
            if first is not ref and not vendored:
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
        severities = sorted({ref.severity for ref in refs})
        if len(severities) > 1 and _changes_condition(override):
            tiers = ", ".join(f"{key}{TIER_SEPARATOR}{severity}" for severity in severities)
            problems.add(
                source,
                config_key,
                f"{key} has {len(severities)} tiers, so threshold, numbers, expr and severity need one "
                f"of: {tiers}",
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


def _other_ways(expr: str) -> str:
    numbers = ", ".join(dict.fromkeys(format_number(n) for n in number_literals(expr)))
    if not numbers:
        return "override the whole expression with expr"
    return f'name the number to change (numbers: {{"<old>": <new>}}; its numbers: {numbers}) or set expr'


def _changes_condition(override: RuleOverride) -> bool:
    return (
        override.threshold is not None
        or override.severity is not None
        or bool(override.numbers)
        or override.expr is not None
    )


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
                f"= {format_number(override.threshold)} cannot be applied: the expression {error}; "
                f"{_other_ways(rule.expr)}",
            )
    for number, replacement in sorted(override.numbers.items()):
        try:
            update["expr"] = replace_number(update.get("expr", rule.expr), float(number), replacement)
        except ValueError as error:
            problems.add(
                source, f"{config_key}.numbers.{number}", f"cannot be applied: the expression {error}"
            )
    if override.expr is not None:
        try:
            parse(override.expr)
            update["expr"] = override.expr
        except ValueError as error:
            problems.add(source, f"{config_key}.expr", f"is not valid PromQL: {error}")
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
    return RenderedRuleFile(rule_file.name, rule_file.source, tuple(groups), rule_file.vendored)


def _check_rendered_tiers(
    rendered: Iterable[RenderedRuleFile], source: str, key_prefix: str, problems: ProblemCollector
) -> None:
    seen: set[tuple[str, str]] = set()
    for rendered_file in rendered:
        if rendered_file.vendored:
            continue  # copies between vendored files are allowed (see _check_unique_tiers)
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
