"""``obsctl import prometheus FILE...``: upstream rule files, vendored as upstream wrote them.

Any extension, multi-document files, ``PrometheusRule`` manifests (alone or in a ``List``), Sloth and
mixin output, ``null`` documents. Each file is loaded, and checked by ``promtool check rules`` in the
form the plan deploys it, before its text is written unchanged under ``alerts/prometheus/vendor/``
with a name Kubernetes accepts (it names the ``PrometheusRule``). Then, per stack, what
``observability:prometheus.vendored`` must still supply (a team, severity mappings, a runbook link)
is printed as the YAML to add.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from infra.catalog.prometheus.loader import RuleFile, is_test_file, load_rule_file, relative_source
from infra.catalog.prometheus.promtool import check_rendered
from infra.catalog.prometheus.rule_set import RULES_DIR, VENDOR_DIR, RenderedRuleFile, suggest_object_name
from infra.catalog.prometheus.vendored import ROUTED_SEVERITIES
from infra.catalog.safe_files import read_text, write_atomically
from infra.catalog.strict_yaml import load_documents
from infra.catalog.upstream_tools import MissingToolError, tools_required
from infra.errors import DefinitionError, Problem, ProblemCollector
from obsctl.imports.common import refuse_existing, scratch_copy, target_path

if TYPE_CHECKING:
    from infra.catalog.prometheus.rule_set import RuleSet
    from infra.settings.prometheus import PrometheusRulesSettings

VENDORED_HEADER = (
    "# Vendored from {name} by `obsctl import prometheus`. Keep upstream's text: the stack completes\n"
    "# it (observability:prometheus.vendored) and overrides alerts by name (observability:prometheus.rules).\n"
)
SEVERITY_GUESSES = {
    "critical": ("page", "pager", "pagerduty", "high", "error", "major", "emergency", "p1", "p2"),
    "warning": ("warn", "slack", "ticket", "medium", "minor", "p3"),
    "info": ("none", "low", "info", "informational", "notice", "debug", "p4", "p5"),
}


def run(args: argparse.Namespace, project_dir: Path) -> int:
    folder = target_path(project_dir, args.to, f"{RULES_DIR}/{VENDOR_DIR}")
    if args.name and len(args.files) != 1:
        raise DefinitionError.single("obsctl import prometheus", "--name", "names one file: give one FILE")
    pending: list[tuple[Path, str]] = []
    problems = ProblemCollector()
    for source in args.files:
        try:
            item = _prepare(source, folder, project_dir, args)
        except DefinitionError as error:
            problems.extend(error)
            continue
        if item is not None:
            pending.append(item)
    problems.raise_if_any()
    _check_rule_set_with(project_dir, pending)
    for target, text in pending:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text, inside=project_dir)
    for target, _ in pending:
        print(f"wrote {target.relative_to(project_dir)}")
    if pending:
        _print_stack_decisions(project_dir)
        print(
            "tests: upstream's promtool tests come in with `obsctl import promtool-test FILE`; "
            "the drills leave vendored alerts out"
        )
    return 0


def _prepare(
    source: Path, folder: Path, project_dir: Path, args: argparse.Namespace
) -> tuple[Path, str] | None:
    shown = str(source)
    text = read_text(source, shown)
    try:
        documents = load_documents(text, shown)
    except DefinitionError:
        _load_rule_file(source, project_dir, shown)  # names a Prometheus 1.x file as such
        raise
    if is_test_file(documents):
        raise DefinitionError.single(
            shown, "", "is a promtool unit-test file: import it with `obsctl import promtool-test`"
        )
    if not any(doc is not None for doc in documents):
        print(f"{shown}: holds no rules (an empty or null document): nothing to import")
        return None
    rule_file = _load_rule_file(source, project_dir, shown)
    if not any(True for _ in rule_file.rules()):
        print(f"{shown}: holds no rules: nothing to import")
        return None
    name = suggest_object_name(args.name or source.stem)
    target = folder / f"{name}.yaml"
    refuse_existing(target, project_dir, args.force)
    _promtool_accepts(rule_file_as_deployed=RenderedRuleFile.from_rule_file(rule_file), shown=shown)
    return target, VENDORED_HEADER.format(name=source.name) + text


def _load_rule_file(source: Path, project_dir: Path, shown: str) -> RuleFile:
    """The file as the plan will load it, its problems named by the path given on the command line
    rather than relative to the repository (``../../tmp/x.yml``)."""
    try:
        return load_rule_file(source, project_dir, vendored=True)
    except DefinitionError as error:
        relative = relative_source(source, project_dir)
        raise DefinitionError(
            Problem(shown if p.source == relative else p.source, p.location, p.message)
            for p in error.problems
        ) from None


def _promtool_accepts(rule_file_as_deployed: RenderedRuleFile, shown: str) -> None:
    try:
        run = check_rendered([rule_file_as_deployed])
    except MissingToolError:
        if tools_required():
            raise
        print(f"{shown}: NOT checked by promtool (not installed: `make tools`)")
        return
    if not run.ok:
        reason = "\n  ".join(line for line in run.output.splitlines() if line.strip())
        raise DefinitionError.single(shown, "", f"Prometheus refuses it (promtool check rules):\n  {reason}")


def _check_rule_set_with(project_dir: Path, pending: list[tuple[Path, str]]) -> None:
    """The whole rule set with the new files, loaded as the plan loads it, before anything is written:
    a name already taken, or an alert that repeats one of the repository's own, stops the import."""
    from infra.catalog.prometheus import load_rule_set

    if not pending:
        return
    files = [(target.relative_to(project_dir), text) for target, text in pending]
    with scratch_copy(project_dir, RULES_DIR, files) as root:
        try:
            load_rule_set(root)
        except DefinitionError as error:
            lines = [str(p) for p in error.problems]
            raise DefinitionError.single(
                "obsctl import prometheus", "", "the rule files do not load with it:\n  " + "\n  ".join(lines)
            ) from None


def _print_stack_decisions(project_dir: Path) -> None:
    """Per stack with a cluster, what ``observability:prometheus.vendored`` must still supply."""
    from infra.catalog.prometheus import load_rule_set
    from infra.catalog.prometheus.vendored import missing_settings
    from infra.settings.prometheus import PrometheusRulesSettings
    from obsctl.stackfile import read_stack_file, stack_names

    rule_set = load_rule_set(project_dir)
    suggestions: dict[str, list[str]] = {}
    for stack in stack_names(project_dir):
        try:
            raw = read_stack_file(project_dir, stack).raw.values
            if "observability:monitoringCluster" not in raw:
                continue
            settings = PrometheusRulesSettings.model_validate(
                json.loads(raw.get("observability:prometheus") or "{}")
            )
        except (DefinitionError, ValueError) as error:
            print(f"Pulumi.{stack}.yaml: not read ({error}); check it with `obsctl plan {stack}`")
            continue
        missing = missing_settings(rule_set, settings.vendored)
        if not missing:
            print(f"Pulumi.{stack}.yaml: observability:prometheus.vendored completes every vendored alert")
            continue
        needs = ", ".join(
            f"{key} ({count} alert{'s' if count != 1 else ''})" for key, count in missing.items()
        )
        print(f"still to decide in Pulumi.{stack}.yaml: observability:prometheus.vendored needs {needs}")
        suggestion = _suggestion(settings, rule_set, "labels.severity" in missing)
        suggestions.setdefault(suggestion, []).append(f"Pulumi.{stack}.yaml")
    for text, stack_files in suggestions.items():
        print(f"  for {', '.join(stack_files)}, for example (review each value):\n{text}")


def _suggestion(settings: PrometheusRulesSettings, rule_set: RuleSet, needs_severity: bool) -> str:
    """The ``vendored`` section to start from: the stack's own values, plus guesses for the rest."""
    vendored = settings.vendored
    severities: dict[str, str] = dict(vendored.severities)
    for rule_file in rule_set.files:
        if rule_file.vendored:
            for _, rule in rule_file.alerts():
                severity = rule.labels.get("severity")
                if severity and severity not in ROUTED_SEVERITIES and severity not in severities:
                    severities[severity] = _guess(severity)
    lines = ["    observability:prometheus:", "      vendored:"]
    labels = {"team": "platform", **({"severity": "warning"} if needs_severity else {}), **vendored.labels}
    lines.append("        labels: {" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "}")
    if severities:
        lines.append(
            "        severities: {" + ", ".join(f"{k}: {v}" for k, v in sorted(severities.items())) + "}"
        )
    template = vendored.runbook_url_template or "https://runbooks.example.com/alerts/{alertname}"
    lines.append(f"        runbookUrlTemplate: {template}")
    return "\n".join(lines)


def _guess(severity: str) -> str:
    lowered = severity.lower()
    exact = next((routed for routed, names in SEVERITY_GUESSES.items() if lowered in names), None)
    # "pageteam", "page-oncall": upstream's way of saying it pages someone.
    return exact or ("critical" if lowered.startswith("page") else "warning")
