"""``obsctl import promtool-test FILE...``: upstream's promtool unit tests for vendored rule files.

A test names its rule files as upstream laid them out (``rules.yml``, ``../prometheus_alerts.yaml``).
Each entry of ``rule_files`` is matched to a rule file of this repository: by ``--rule-file
ORIGINAL=IMPORTED``, else by name (``email_alert_api_alerts.yaml`` is ``email-alert-api-alerts.yaml``
under ``alerts/prometheus/vendor/``, or the one vendored file whose name ends with it). The test is
written under ``tests/promtool/vendor/`` with ``rule_files`` pointing there, and only after
``promtool test rules`` passes on it; ``make test`` then runs it with the rest.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from infra.catalog.prometheus.loader import is_test_file
from infra.catalog.prometheus.promtool import run_rule_tests
from infra.catalog.prometheus.rule_set import RULES_DIR, VENDOR_DIR, suggest_object_name
from infra.catalog.prometheus.unit_tests import TESTS_DIR
from infra.catalog.safe_files import read_text, write_atomically
from infra.catalog.strict_yaml import dump, load_documents
from infra.catalog.upstream_tools import MissingToolError, tools_required
from infra.errors import DefinitionError
from obsctl.imports.common import refuse_existing, scratch_copy, target_path

HEADER = (
    "# Imported by `obsctl import promtool-test` from {name}; rule_files point at the vendored copies.\n"
    "# Run: promtool test rules {path}\n"
)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    folder = target_path(project_dir, args.to, f"{TESTS_DIR}/{VENDOR_DIR}")
    explicit = _explicit_mapping(args.rule_file, project_dir)
    for source in args.files:
        shown = str(source)
        documents = [d for d in load_documents(read_text(source, shown), shown) if d is not None]
        if len(documents) != 1 or not isinstance(documents[0], dict) or not is_test_file(documents):
            raise DefinitionError.single(
                shown,
                "",
                "is not a promtool unit-test file (rule_files: and tests:); rule files come in "
                "with `obsctl import prometheus`",
            )
        test = dict(documents[0])
        target = folder / f"{suggest_object_name(source.stem)}.yaml"
        refuse_existing(target, project_dir, args.force)
        entries = [str(entry) for entry in test.get("rule_files") or []]
        if not entries:
            raise DefinitionError.single(shown, "rule_files", "names no rule file: there is nothing to test")
        resolved = [
            _resolve(entry, explicit, project_dir, shown, index) for index, entry in enumerate(entries)
        ]
        test["rule_files"] = [os.path.relpath(path, target.parent) for path in resolved]
        text = HEADER.format(name=source.name, path=target.relative_to(project_dir)) + dump(test)
        checked = _promtool_passes(text, target, project_dir, shown)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text, inside=project_dir)
        mapping = ", ".join(
            f"{e} -> {p.relative_to(project_dir)}" for e, p in zip(entries, resolved, strict=True)
        )
        print(f"wrote {target.relative_to(project_dir)} ({checked}; rule_files: {mapping})")
    return 0


def _explicit_mapping(pairs: list[str], project_dir: Path) -> dict[str, Path]:
    mapping: dict[str, Path] = {}
    for pair in pairs:
        original, separator, imported = pair.partition("=")
        if not separator or not original or not imported:
            raise DefinitionError.single(
                "obsctl import promtool-test", "--rule-file", f"{pair!r} is not ORIGINAL=IMPORTED"
            )
        path = Path(imported)
        candidates = [
            path if path.is_absolute() else Path.cwd() / path,
            _vendored(project_dir) / f"{suggest_object_name(Path(imported).stem)}.yaml",
        ]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise DefinitionError.single(
                "obsctl import promtool-test",
                "--rule-file",
                f"{imported!r} is no rule file here (import it first)",
            )
        mapping[original] = found.resolve()
    return mapping


def _vendored(project_dir: Path) -> Path:
    return project_dir / RULES_DIR / VENDOR_DIR


def _resolve(entry: str, explicit: dict[str, Path], project_dir: Path, shown: str, index: int) -> Path:
    if entry in explicit:
        return explicit[entry]
    if Path(entry).name in explicit:
        return explicit[Path(entry).name]
    wanted = suggest_object_name(Path(entry).stem)
    folder = _vendored(project_dir)
    files = sorted(p for p in folder.glob("*.y*ml")) if folder.is_dir() else []
    exact = [p for p in files if p.stem == wanted]
    ending = [p for p in files if p.stem.endswith(f"-{wanted}")]
    if len(exact) == 1 or (not exact and len(ending) == 1):
        return (exact or ending)[0].resolve()
    candidates = ", ".join(p.name for p in (exact or ending)) or "none"
    raise DefinitionError.single(
        shown,
        f"rule_files[{index}]",
        f"{entry!r} matches {'several vendored rule files' if exact or ending else 'no vendored rule file'} "
        f"(candidates: {candidates}): import it with `obsctl import prometheus`, or name it with "
        f"--rule-file {Path(entry).name}=<file under {RULES_DIR}/{VENDOR_DIR}/>",
    )


def _promtool_passes(text: str, target: Path, project_dir: Path, shown: str) -> str:
    """``promtool test rules`` on the test as it will be written, in a scratch copy of the rule files."""
    try:
        relative = target.relative_to(project_dir)
        with scratch_copy(project_dir, RULES_DIR, [(relative, text)]) as root:
            run = run_rule_tests([root / relative])
    except MissingToolError:
        if tools_required():
            raise
        return "NOT run by promtool (not installed: `make tools`)"
    if not run.ok:
        output: Any = "\n  ".join(line for line in run.output.splitlines() if line.strip())
        raise DefinitionError.single(
            shown, "", f"promtool test rules fails on it with the vendored rules:\n  {output}"
        )
    return "promtool test rules passes"
