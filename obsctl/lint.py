"""``obsctl lint [PATH...]``: every definition under the paths checked without a stack or a plan.

The editor's loop: what the plan would say about a file itself, in well under a second per file.
Each kind goes through its own loader (the same one the program uses) and, where one exists, the
real upstream tool: ``promtool check rules`` for rule files, ``amtool check-config`` for the
Alertmanager configuration (with stand-ins for its placeholders). What depends on a stack
(datasources of an environment, overrides, secrets) is the plan's job.

Output: ``text`` (one line per finding, as the plan prints problems), ``github`` (workflow
commands, so a pull request shows each finding on its file) or ``json``. Exit 1 on any error.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from infra.catalog.safe_files import require_inside
from infra.catalog.upstream_tools import MissingToolError
from infra.errors import DefinitionError, Problem

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    severity: str
    """``error`` or ``warning``."""
    source: str
    location: str
    message: str

    @classmethod
    def of(cls, problem: Problem, severity: str = "error") -> Finding:
        return cls(severity, problem.source, problem.location, problem.message)


@dataclass(frozen=True)
class _Kind:
    name: str
    matches: Callable[[str], bool]
    check: Callable[[Path, list[str]], list[Finding]]
    """``(root, sources)`` -> findings; ``sources`` are paths relative to the root."""


def _catalog_problems(load: Callable[[], object]) -> list[Problem]:
    try:
        load()
    except DefinitionError as error:
        return list(error.problems)
    return []


def _only(sources: Sequence[str], problems: Iterable[Problem]) -> list[Finding]:
    """A catalog loads as a whole (ids are unique across its files); keep what the files asked about say."""
    wanted = set(sources)
    return [Finding.of(p) for p in problems if p.source in wanted]


def _rules(root: Path, sources: list[str]) -> list[Finding]:
    import tempfile

    from infra.catalog.prometheus.loader import RuleFile, load_rule_file
    from infra.catalog.prometheus.promtool import check_rules
    from infra.catalog.prometheus.rule_set import RULES_DIR, VENDOR_DIR, RenderedRuleFile, write_rule_files

    findings: list[Finding] = []
    loaded: list[RuleFile] = []
    for source in sources:
        vendored = source.startswith(f"{RULES_DIR}/{VENDOR_DIR}/")
        try:
            loaded.append(load_rule_file(root / source, root, vendored=vendored))
        except DefinitionError as error:
            findings += [Finding.of(p) for p in error.problems]
    if loaded:
        # promtool reads plain rule files: a PrometheusRule manifest or a multi-document file is
        # checked in the form the plan deploys it, each file as itself.
        with tempfile.TemporaryDirectory(prefix="obsctl-lint-") as directory:
            paths = write_rule_files([RenderedRuleFile.from_rule_file(f) for f in loaded], Path(directory))
            run = check_rules(paths)
            if not run.ok:
                by_path = {str(path): rule_file.source for path, rule_file in zip(paths, loaded, strict=True)}
                findings += _promtool_findings(by_path, run.output)
    return findings


def _promtool_findings(by_path: Mapping[str, str], output: str) -> list[Finding]:
    """``promtool check rules`` prints ``Checking FILE`` then ``FAILED:`` and the reasons per file."""
    findings: list[Finding] = []
    current: str | None = None
    failed = False
    for line in output.splitlines():
        checking = re.match(r"^Checking (.+)$", line.strip())
        if checking:
            current, failed = by_path.get(checking[1], checking[1]), False
        elif line.strip() == "FAILED:":
            failed = True
        elif failed and current and line.strip():
            findings.append(Finding("error", current, "", f"promtool check rules: {line.strip()}"))
    if not findings:
        first = next(iter(by_path.values()))
        findings.append(Finding("error", first, "", f"promtool check rules failed: {output.strip()}"))
    return findings


def _each_file(
    root: Path, sources: list[str], load: Callable[[Path, Path], T], check: Callable[[str, T], list[Finding]]
) -> list[Finding]:
    """Load each file on its own; check the ones that load (a load error is the file's finding)."""
    findings: list[Finding] = []
    for source in sources:
        try:
            loaded = load(root / source, root)
        except DefinitionError as error:
            findings += [Finding.of(p) for p in error.problems]
            continue
        findings += check(source, loaded)
    return findings


def _alertmanager(root: Path, sources: list[str]) -> list[Finding]:
    from infra.catalog.alertmanager import (
        AlertmanagerConfig,
        check_with_stand_ins,
        load_alertmanager,
        refusal_reason,
    )

    def amtool(source: str, config: AlertmanagerConfig) -> list[Finding]:
        run = check_with_stand_ins(config)
        if run.ok:
            return []
        reason = refusal_reason(run, config.data)
        return [Finding("error", source, "", f"amtool check-config (placeholders as stand-ins): {reason}")]

    return _each_file(root, sources, load_alertmanager, amtool)


def _dashboards(root: Path, sources: list[str]) -> list[Finding]:
    from infra.catalog.dashboards import RawDashboard, lint, load_dashboard_file, normalize
    from infra.catalog.dashboards.catalog import default_uid_for

    def linted(source: str, raw: RawDashboard) -> list[Finding]:
        report = lint(normalize(raw.dashboard, uid=default_uid_for(raw)), raw.source)
        return [Finding.of(p) for p in report.errors] + [Finding.of(p, "warning") for p in report.warnings]

    return _each_file(root, sources, load_dashboard_file, linted)


def _whole_catalog(module: str, loader: str) -> Callable[[Path, list[str]], list[Finding]]:
    """Lint for a catalog that loads as a whole (ids are unique across its files): ``module`` is
    imported only when files of its kind are linted."""

    def lint_catalog(root: Path, sources: list[str]) -> list[Finding]:
        load = getattr(importlib.import_module(module), loader)
        return _only(sources, _catalog_problems(lambda: load(root)))

    return lint_catalog


def _under(folder: str, *suffixes: str) -> Callable[[str], bool]:
    return lambda source: source.startswith(f"{folder}/") and source.endswith(suffixes)


KINDS = (
    _Kind("Prometheus rules", _under("alerts/prometheus", ".yaml", ".yml"), _rules),
    _Kind("Alertmanager", lambda source: source == "alerts/alertmanager.yaml", _alertmanager),
    _Kind(
        "CloudWatch",
        _under("alerts/cloudwatch", ".yaml", ".yml"),
        _whole_catalog("infra.catalog.cloudwatch", "load_catalog"),
    ),
    _Kind(
        "Datadog",
        _under("alerts/datadog", ".yaml", ".yml"),
        _whole_catalog("infra.catalog.datadog", "load_catalog"),
    ),
    _Kind(
        "drills",
        _under("drills", ".yaml", ".yml"),
        _whole_catalog("infra.catalog.drills.loader", "load_drills"),
    ),
    _Kind("dashboards", _under("dashboards", ".json"), _dashboards),
    _Kind(
        "CloudWatch dashboards",
        _under("cloudwatch-dashboards", ".json"),
        _whole_catalog("infra.catalog.cloudwatch.dashboards", "load_dashboards"),
    ),
    _Kind(
        "CloudWatch queries",
        _under("cloudwatch-queries", ".yaml", ".yml"),
        _whole_catalog("infra.catalog.cloudwatch.queries", "load_queries"),
    ),
    _Kind(
        "metrics", _under("metrics", ".yaml", ".yml"), _whole_catalog("infra.catalog.metrics", "load_metrics")
    ),
)


DEFINITION_FOLDERS = (
    "alerts",
    "dashboards",
    "drills",
    "cloudwatch-dashboards",
    "cloudwatch-queries",
    "metrics",
)


def _candidates(root: Path, path: Path) -> list[Path]:
    """Files under ``path`` inside the definition folders (a folder above them is not walked whole:
    the root also holds .venv and .git)."""
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    for folder in DEFINITION_FOLDERS:
        base = root / folder
        if base == path or path in base.parents:
            found += sorted(p for p in base.rglob("*") if p.is_file())
        elif base in path.parents:
            found += sorted(p for p in path.rglob("*") if p.is_file())
    return found


def definition_files(root: Path, paths: Sequence[Path]) -> tuple[dict[str, list[str]], list[Finding]]:
    """The definition files under ``paths`` (default: the root), by kind, relative to the root."""
    by_kind: dict[str, list[str]] = {kind.name: [] for kind in KINDS}
    findings: list[Finding] = []
    for given in paths or [root]:
        # Not resolved: a link stays a link, for the loaders to refuse when it leaves the repository.
        path = Path(os.path.abspath(given))
        shown = str(given)
        try:
            require_inside(path, root, shown)
        except DefinitionError as error:
            findings += [Finding.of(p) for p in error.problems]
            continue
        if not (path.exists() or path.is_symlink()):
            findings.append(Finding("error", shown, "", "does not exist"))
            continue
        matched = False
        for candidate in _candidates(root, path):
            source = candidate.relative_to(root).as_posix()
            kind = next((k for k in KINDS if k.matches(source)), None)
            if kind is not None:
                matched = True
                if source not in by_kind[kind.name]:
                    by_kind[kind.name].append(source)
        if not matched and not path.is_dir():
            findings.append(
                Finding(
                    "error",
                    shown,
                    "",
                    "is not a definition file obsctl lints (dashboards/**/*.json, alerts/prometheus/, "
                    "alerts/alertmanager.yaml, alerts/cloudwatch/, alerts/datadog/, drills/, cloudwatch-dashboards/, "
                    "cloudwatch-queries/, metrics/)",
                )
            )
    return by_kind, findings


def lint_paths(root: Path, paths: Sequence[Path]) -> tuple[list[Finding], int]:
    """Every finding for the definition files under ``paths``, and how many files were checked."""
    by_kind, findings = definition_files(root, paths)
    for kind in KINDS:
        sources = by_kind[kind.name]
        if not sources:
            continue
        try:
            findings += kind.check(root, sources)
        except MissingToolError as error:
            from infra.catalog.upstream_tools import tools_required

            severity = "error" if tools_required() else "warning"
            findings.append(
                Finding(severity, sources[0], "", f"{kind.name}: not checked by the upstream tool: {error}")
            )
    return findings, sum(len(sources) for sources in by_kind.values())


def render_findings(findings: Sequence[Finding], checked: int, output_format: str) -> str:
    if output_format == "json":
        document = {"checked": checked, "findings": [asdict(finding) for finding in findings]}
        return json.dumps(document, indent=2) + "\n"
    lines: list[str] = []
    for finding in findings:
        where = f"{finding.location}: " if finding.location else ""
        if output_format == "github":
            # Workflow commands: % and newlines are escaped as GitHub documents.
            message = (
                f"{where}{finding.message}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            )
            lines.append(f"::{finding.severity} file={finding.source},title=obsctl lint::{message}")
        else:
            lines.append(f"{finding.severity}: {finding.source}: {where}{finding.message}")
    errors = sum(1 for finding in findings if finding.severity == "error")
    if output_format == "text":
        lines.append(
            f"{checked} definition file(s) checked: {errors} error(s), {len(findings) - errors} warning(s)"
        )
    return "\n".join(lines) + "\n" if lines else ""
