"""Reading rule files in every shape they come in, and checking them.

Accepted shapes, alone or as documents of one multi-document file (a leading ``---`` included):

* a plain rule file, ``groups: [...]`` (what Prometheus and ``promtool check rules`` read);
* a ``PrometheusRule`` manifest (``monitoring.coreos.com/v1``), whose ``spec`` holds the groups;
* a Kubernetes ``List`` of such manifests.

A promtool unit-test file (``rule_files:`` / ``tests:``) is not a rule file; :func:`is_test_file`
tells them apart so a directory of mixed files can be loaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.catalog.prometheus.model import HEARTBEAT, SEVERITIES, Rule, RuleGroup, RuleGroups
from infra.catalog.prometheus.selectors import vector_selectors
from infra.catalog.prometheus.threshold import find_threshold, parse
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError, ProblemCollector

_LEGACY_RULE = re.compile(r"^[ \t]*ALERT[ \t]+\S+\s+IF\s", re.MULTILINE)
"""Prometheus 1.x rules (``ALERT Name IF expr FOR 5m LABELS {...}``), which YAML reads as one string."""
REQUIRED_LABELS = ("severity", "team", "service")
"""Alertmanager routes on severity and team; its inhibit rule matches on alertname and service."""
REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url")
PROMETHEUS_RULE_KIND = "PrometheusRule"
VENDOR_PREFIX = "vendor-"
ORIGIN_LABEL = "observability-as-code/rules-origin"
"""On each ``PrometheusRule``: ``vendored`` (upstream's rules, completed by the stack) or ``own``.
The drills exercise the repository's own alerts; vendored ones are proven routed at plan time."""


@dataclass(frozen=True)
class RuleFile:
    """The rule groups of one file, with where each group sits in that file for error messages."""

    source: str
    """Repository-relative path, e.g. ``alerts/prometheus/gateway.yaml``."""
    groups: tuple[RuleGroup, ...]
    group_locations: tuple[str, ...]
    """Per group, its key path in the file: ``groups[0]``, ``document 2: spec.groups[1]``..."""
    vendored: bool = False
    """Brought in from upstream (``alerts/prometheus/vendor/``): its own shape, the stack's defaults."""

    @property
    def name(self) -> str:
        """Names the rendered file and its ``PrometheusRule``: the file's stem (``gateway``), with
        ``vendor-`` before a vendored one so it never collides with the repository's own."""
        stem = Path(self.source).stem
        return f"{VENDOR_PREFIX}{stem}" if self.vendored else stem

    def rules(self) -> Iterator[tuple[str, Rule]]:
        """Every rule with its location, e.g. ``groups[0].rules[2]``."""
        for group_location, group in zip(self.group_locations, self.groups, strict=True):
            for index, rule in enumerate(group.rules):
                yield f"{group_location}.rules[{index}]", rule

    def alerts(self) -> Iterator[tuple[str, Rule]]:
        return ((location, rule) for location, rule in self.rules() if rule.is_alert)


def rule_location(location: str, rule: Rule, key: str = "") -> str:
    """``alert GatewayHighErrorRate (groups[0].rules[2].expr)``: the name first, as users search by it."""
    kind = "alert" if rule.is_alert else "record"
    path = f"{location}.{key}" if key else location
    return f"{kind} {rule.name} ({path})"


SERVER_CONFIG_KEYS = frozenset(
    {"global", "scrape_configs", "scrape_config_files", "alerting", "remote_write", "remote_read", "storage"}
)
"""Top-level keys of a Prometheus server configuration (``prometheus.yml``), which also has
``rule_files`` but is neither a rule file nor a unit test."""


def is_test_file(documents: Sequence[Any]) -> bool:
    return any(
        isinstance(doc, dict) and ("tests" in doc or "rule_files" in doc) and not _is_server_config(doc)
        for doc in documents
    )


def _is_server_config(document: Any) -> bool:
    return isinstance(document, dict) and "tests" not in document and bool(SERVER_CONFIG_KEYS & set(document))


def relative_source(path: Path, root: Path) -> str:
    """The path users see in messages: relative to the repository root, even outside it (``../shared``)."""
    # abspath, not resolve(): a symlinked folder (../shared linked from elsewhere) keeps the path the
    # user gave, so messages do not change with how the files are linked.
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def load_rule_file(path: Path, root: Path, *, strict: bool = True, vendored: bool = False) -> RuleFile:
    """Load and check one rule file; raises one :class:`DefinitionError` listing every problem.

    ``strict`` adds this repository's conventions (required labels and annotations, an overridable
    threshold, a known severity) to the upstream format and PromQL checks that apply to any file.
    A ``vendored`` file is never strict: the stack supplies what it lacks (:mod:`.vendored`).
    """
    strict = strict and not vendored
    source = relative_source(path, root)
    text = read_text(path, source)
    if _LEGACY_RULE.search(text) and not re.search(r"^\s*(groups|spec):", text, re.MULTILINE):
        raise DefinitionError.single(
            source,
            "",
            "is in the rule syntax of Prometheus 1.x (ALERT ... IF ...), which Prometheus 2 and later "
            "refuse: convert it to a YAML rule file (groups:), e.g. with `promtool update rules` of "
            "Prometheus 2.x",
        )
    documents = load_documents(text, source)
    if is_test_file(documents):
        raise DefinitionError.single(source, "", "is a promtool unit-test file, not a rule file")
    if any(_is_server_config(doc) and "groups" not in doc for doc in documents):
        raise DefinitionError.single(
            source,
            "",
            "is a Prometheus server configuration (prometheus.yml), not a rule file: the files its "
            "rule_files name hold the rules",
        )
    problems = ProblemCollector()
    groups: list[RuleGroup] = []
    locations: list[str] = []
    present = [(index, doc) for index, doc in enumerate(documents) if doc is not None]
    if not present:
        problems.add(source, "", "holds no rule groups")
    for index, document in present:
        prefix = f"document {index + 1}: " if len(documents) > 1 else ""
        for location, body in _group_bodies(document, prefix, source, problems):
            model = _validate_groups(body, location, source, problems)
            if model is not None:
                for group_index, group in enumerate(model.groups):
                    groups.append(group)
                    locations.append(f"{location}groups[{group_index}]")
    rule_file = RuleFile(source, tuple(groups), tuple(locations), vendored)
    _check_rules(rule_file, strict, problems)
    problems.raise_if_any()
    return rule_file


def _group_bodies(
    document: Any, prefix: str, source: str, problems: ProblemCollector
) -> Iterator[tuple[str, Any]]:
    """The mapping(s) holding ``groups`` in a document, each with its key-path prefix."""
    if not isinstance(document, dict):
        problems.add(source, prefix.rstrip(": "), "is not a mapping with groups or a PrometheusRule")
    elif document.get("kind") == "List" and isinstance(document.get("items"), list):
        for index, item in enumerate(document["items"]):
            yield from _group_bodies(item, f"{prefix}items[{index}].", source, problems)
    elif document.get("kind") == PROMETHEUS_RULE_KIND:
        name = (document.get("metadata") or {}).get("name", "")
        spec = document.get("spec")
        label = f"{prefix}{PROMETHEUS_RULE_KIND} {name}: " if name else prefix
        if not isinstance(spec, dict):
            problems.add(source, f"{label}spec", "a PrometheusRule needs a spec with groups")
        else:
            yield f"{label}spec.", {"groups": spec.get("groups", [])}
    elif "groups" in document:
        yield prefix, document
    else:
        keys = ", ".join(sorted(str(k) for k in document)) or "none"
        problems.add(source, prefix.rstrip(": "), f"has no groups and is not a PrometheusRule (keys: {keys})")


def _validate_groups(body: Any, prefix: str, source: str, problems: ProblemCollector) -> RuleGroups | None:
    try:
        return RuleGroups.model_validate(body)
    except ValidationError as error:
        for item in error.errors():
            path = _key_path(item["loc"])
            alert = _rule_name_at(body, item["loc"])
            where = f"{prefix}{path}" + (f" ({alert})" if alert else "")
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "is not a rule-file key (Prometheus rejects unknown keys)"
            problems.add(source, where, message)
        return None


def _key_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{'for' if part == 'for_' else part}" if path else str(part)
    return path


def _rule_name_at(body: Any, loc: Sequence[int | str]) -> str:
    """The ``alert``/``record`` name of the rule an error points into, when there is one."""
    if len(loc) < 4 or loc[0] != "groups" or loc[2] != "rules":
        return ""
    try:
        rule = body["groups"][loc[1]]["rules"][loc[3]]
    except (KeyError, IndexError, TypeError):
        return ""
    if isinstance(rule, dict):
        for kind in ("alert", "record"):
            if kind in rule:
                return f"{kind} {rule[kind]}"
    return ""


def _check_rules(rule_file: RuleFile, strict: bool, problems: ProblemCollector) -> None:
    source = rule_file.source
    seen_groups: set[tuple[str, str]] = set()
    for location, group in zip(rule_file.group_locations, rule_file.groups, strict=True):
        # Prometheus refuses two groups of one name in a file; separate manifests are separate files.
        key = (location.rpartition("groups[")[0], group.name)
        if key in seen_groups:
            problems.add(source, f"{location}.name", f"group name {group.name!r} is used twice")
        seen_groups.add(key)
    for location, rule in rule_file.rules():
        try:
            parse(rule.expr)
        except ValueError as error:
            problems.add(source, rule_location(location, rule, "expr"), f"is not valid PromQL: {error}")
            continue
        if strict and rule.is_alert:
            _check_conventions(source, location, rule, problems)


def _check_conventions(source: str, location: str, rule: Rule, problems: ProblemCollector) -> None:
    for label in REQUIRED_LABELS:
        if not rule.labels.get(label):
            problems.add(source, rule_location(location, rule, f"labels.{label}"), "is required")
    severity = rule.labels.get("severity")
    if severity and severity not in (*SEVERITIES, HEARTBEAT):
        problems.add(
            source,
            rule_location(location, rule, "labels.severity"),
            f"{severity!r} is not one of {', '.join(SEVERITIES)} (the severities Alertmanager routes), "
            f"or {HEARTBEAT} (an alert that always fires, for a dead man's switch)",
        )
    for annotation in REQUIRED_ANNOTATIONS:
        if not rule.annotations.get(annotation, "").strip():
            problems.add(source, rule_location(location, rule, f"annotations.{annotation}"), "is required")
    runbook = rule.annotations.get("runbook_url", "")
    if runbook and not runbook.startswith(("https://", "http://")):
        problems.add(
            source, rule_location(location, rule, "annotations.runbook_url"), "must be an http(s) URL"
        )
    if severity == HEARTBEAT:
        if vector_selectors(rule.expr):
            problems.add(
                source,
                rule_location(location, rule, "expr"),
                f"a {HEARTBEAT} alert must fire whatever the metrics say (`vector(1)`): it selects "
                f"{', '.join(vector_selectors(rule.expr))}, so the heartbeat would stop with that series",
            )
    elif find_threshold(rule.expr) is None:
        problems.add(
            source,
            rule_location(location, rule, "expr"),
            "must end with a comparison against a number (`<query> > 0.05`) so each stack can "
            "override its threshold",
        )
