"""Checking that promtool unit tests cover every alert: one case where it fires, one where it does not.

promtool itself only checks the cases that exist: an alert nobody tests passes, and so does a test
whose ``alertname`` is misspelt (it expects no alert and gets none). This module reads the test
files and reports both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.catalog.prometheus.loader import relative_source
from infra.catalog.prometheus.model import HEARTBEAT
from infra.catalog.prometheus.rule_set import RuleSet
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_documents
from infra.errors import Problem

TESTS_DIR = "tests/promtool"


@dataclass
class _Cases:
    firing_severities: set[str] = field(default_factory=set)
    """Severities seen firing; a tiered alert needs a firing case per tier."""
    quiet: bool = False


def coverage_problems(rule_set: RuleSet, test_files: Sequence[Path], root: Path) -> list[Problem]:
    """Every alert without a firing or a non-firing case, and every test of an alert that does not exist.

    Vendored files need no cases of their own; a test that names one is still checked.
    """
    problems: list[Problem] = []
    rule_sources = {rule_file.source for rule_file in rule_set.files}
    cases: dict[str, dict[str, _Cases]] = {source: {} for source in rule_sources}
    # Which rule file a test names is a question of identity (symlinks followed); how it is shown
    # is not (paths as given, see relative_source).
    by_real_path = {(root / source).resolve(): source for source in rule_sources}
    for test_file in test_files:
        test_source = relative_source(test_file, root)
        document = _single_document(test_file, test_source, problems)
        if document is None:
            continue
        targets = [
            by_real_path.get(
                (test_file.parent / str(name)).resolve(), relative_source(test_file.parent / str(name), root)
            )
            for name in document.get("rule_files") or []
        ]
        unknown = [t for t in targets if t not in rule_sources]
        for target in unknown:
            problems.append(Problem(test_source, "rule_files", f"{target} is not a rule file of this set"))
        known = [t for t in targets if t in rule_sources]
        defined = {name for t in known for name in _alert_names(rule_set, t)}
        for test_index, test in enumerate(document.get("tests") or []):
            for case_index, case in enumerate(test.get("alert_rule_test") or []):
                alertname = str(case.get("alertname", ""))
                where = f"tests[{test_index}].alert_rule_test[{case_index}]"
                if alertname not in defined:
                    problems.append(
                        Problem(
                            test_source,
                            f"{where}.alertname",
                            f"{alertname!r} is not an alert of {', '.join(known) or 'its rule_files'}: "
                            "the case passes without testing anything",
                        )
                    )
                    continue
                for target in known:
                    if alertname in _alert_names(rule_set, target):
                        entry = cases[target].setdefault(alertname, _Cases())
                        expected = case.get("exp_alerts") or []
                        entry.quiet = entry.quiet or not expected
                        entry.firing_severities.update(
                            str((alert.get("exp_labels") or {}).get("severity", "")) for alert in expected
                        )
    for rule_file in rule_set.files:
        if rule_file.vendored:
            continue  # upstream's tests, when imported, are run; their coverage is upstream's call
        reported_quiet: set[str] = set()
        for location, rule in rule_file.alerts():
            entry = cases[rule_file.source].get(rule.name, _Cases())
            where = f"alert {rule.name} ({location})"
            severity = rule.labels.get("severity", "")
            if severity not in entry.firing_severities:
                tier = f" with severity {severity}" if severity else ""
                problems.append(
                    Problem(
                        rule_file.source,
                        where,
                        f"has no promtool test case where it fires{tier} (exp_alerts under {TESTS_DIR}/)",
                    )
                )
            # A heartbeat never goes quiet: that it always fires is what its tests show.
            if not entry.quiet and rule.name not in reported_quiet and severity != HEARTBEAT:
                reported_quiet.add(rule.name)
                problems.append(
                    Problem(
                        rule_file.source,
                        where,
                        f"has no promtool test case where it does not fire (exp_alerts: [] under {TESTS_DIR}/)",
                    )
                )
    return problems


def _single_document(path: Path, source: str, problems: list[Problem]) -> dict[str, Any] | None:
    documents = [d for d in load_documents(read_text(path, source), source) if d is not None]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        problems.append(Problem(source, "", "is not a single promtool test document"))
        return None
    return documents[0]


def _alert_names(rule_set: RuleSet, source: str) -> set[str]:
    return {
        rule.name
        for rule_file in rule_set.files
        if rule_file.source == source
        for _, rule in rule_file.alerts()
    }
