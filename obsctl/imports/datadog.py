"""``obsctl import datadog``: Datadog monitors as exported, packaged or catalogued, into ``alerts/datadog/``.

One canonical catalog file per input (``alerts/datadog/<name>.yaml``), or every input into the one
``--to`` file. Before anything is written, the catalog with the new file is loaded and rendered in
a scratch copy as the plan does it (the datadog-api-client model validates each monitor). Then it
prints what it wrote, what it ignored and why, and what each stack still has to decide.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.catalog.safe_files import read_text, write_atomically
from infra.errors import DefinitionError, Problem
from obsctl.imports.common import refuse_existing, scratch_copy, target_path

if TYPE_CHECKING:
    from infra.settings.datadog import DatadogSettings

MONITORS_DIR = Path("alerts/datadog")
SCHEMA_FILE = Path("schemas/datadog-monitors.schema.json")
STAND_IN_VALUE = "obsctl-import-check"
"""The value template variables take while the import checks a monitor; each stack sets its own."""
HANDLE = re.compile(r"(?<![\w.@+-])@\w[\w.+@-]*")
"""A notification handle in a message, as the alert-paths policy finds one."""


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.datadog.importing import import_document, monitor_id

    merged = args.to is not None
    imported: dict[Path, list[Any]] = {}
    inputs: dict[Path, list[Path]] = {}
    sources: dict[str, str] = {}
    for source in args.files:
        monitors = import_document(_read(source), source.stem, str(source))
        stem = monitor_id(source.stem)
        target = target_path(project_dir, args.to, str(MONITORS_DIR / f"{stem}.yaml"))
        folder = (project_dir / MONITORS_DIR).absolute()
        inside = folder in target.absolute().parents and folder / "pipelines" not in target.absolute().parents
        if target.suffix not in (".yaml", ".yml") or not inside:
            raise DefinitionError.single(str(args.to), "", "--to names a .yaml file under alerts/datadog/")
        for monitor in monitors:
            if monitor.id in sources:
                raise DefinitionError.single(
                    str(source), monitor.id, f"monitor id also imported from {sources[monitor.id]}"
                )
            sources[monitor.id] = str(source)
        imported.setdefault(target, []).extend(monitors)
        inputs.setdefault(target, []).append(source)
        if not merged:
            refuse_existing(target, project_dir, args.force)
    if merged:
        refuse_existing(next(iter(imported)), project_dir, args.force)
    texts = {
        target: _catalog_text(target, monitors, inputs[target], project_dir)
        for target, monitors in imported.items()
    }
    _check_like_the_plan(project_dir, texts, args.files)
    for target, text in texts.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text, inside=project_dir)
    for target, monitors in imported.items():
        print(
            f"wrote {target.relative_to(project_dir)} ({len(monitors)} monitor(s), checked as the plan checks)"
        )
    for monitors in imported.values():
        _print_ignored(monitors, sources)
    _print_decisions([m for monitors in imported.values() for m in monitors], project_dir, args.stack)
    return 0


def _print_ignored(monitors: list[Any], sources: dict[str, str]) -> None:
    """Each thing read and left out, once per input file, with the monitors it concerns."""
    ids: dict[tuple[str, str], list[str]] = {}
    for monitor in monitors:
        for item in monitor.ignored:
            ids.setdefault((sources[monitor.id], item), []).append(monitor.id)
    for (source, item), which in ids.items():
        every = sum(1 for m in monitors if sources[m.id] == source)
        scope = f"all {every} monitors" if len(which) == every and every > 1 else ", ".join(which)
        print(f"ignored: {source}: {scope}: {item}")


def _read(source: Path) -> Any:
    from infra.catalog.strict_json import load_json
    from infra.catalog.strict_yaml import load_document

    text = read_text(source, str(source))
    return load_json(text, str(source)) if source.suffix == ".json" else load_document(text, str(source))


def _catalog_text(target: Path, monitors: list[Any], files: Iterable[Path], project_dir: Path) -> str:
    from infra.catalog.datadog.importing import dump

    schema = os.path.relpath(project_dir / SCHEMA_FILE, target.parent)
    names = ", ".join(path.name for path in files)
    header = (
        f"# yaml-language-server: $schema={Path(schema).as_posix()}\n"
        f"#\n# Imported by `obsctl import datadog` from {names}.\n\n"
    )
    return header + "\n".join(dump({monitor.id: monitor.entry}) for monitor in monitors)


def _check_like_the_plan(project_dir: Path, texts: dict[Path, str], files: list[Path]) -> None:
    """The catalog with the new files, loaded as the plan loads it (ids unique across it), and the
    new monitors rendered as a stack renders them (the datadog-api-client model validates each);
    any problem of theirs refuses the import, naming the input files."""
    from infra.catalog.datadog import load_catalog, render_monitors
    from infra.catalog.datadog.templating import query_variables
    from infra.settings.datadog import DatadogSettings

    problems: list[Problem] = []
    new_files = [(target.relative_to(project_dir), text) for target, text in texts.items()]
    written = {relative.as_posix() for relative, _ in new_files}
    with (
        scratch_copy(project_dir, str(MONITORS_DIR), new_files) as whole,
        scratch_copy(project_dir, None, new_files) as alone,
    ):
        try:
            load_catalog(whole)
        except DefinitionError as error:
            # An existing file's own problems are not the import's; a clash with a new file is.
            problems += [
                p for p in error.problems if p.source in written or any(w in p.message for w in written)
            ]
        try:
            catalog = load_catalog(alone)
            used = {
                v
                for m in catalog.monitors.values()
                for v in query_variables(m.definition.query, m.definition.template_variables or {})
            }
            # Template variables take stand-in values here: each stack gives its own (printed below).
            settings = DatadogSettings(
                enabled=True, template_variables={v: STAND_IN_VALUE for v in used - {"env"}}
            )
            render_monitors(catalog, settings, "import-check")
        except DefinitionError as error:
            problems += [p for p in error.problems if p not in problems]
    if problems:
        raise DefinitionError(
            Problem(
                ", ".join(str(f) for f in files),
                "",
                "not imported; the plan would refuse it:\n  " + "\n  ".join(map(str, problems)),
            )
        )


def _print_decisions(monitors: list[Any], project_dir: Path, stack: str) -> None:
    """What the user still decides: severity, routing, runbook links, template variable values."""
    from infra.catalog.datadog.models import severity_for_priority
    from infra.catalog.datadog.normalize import RUNBOOK_LINK, has_runbook_asset
    from infra.catalog.datadog.templating import query_variables

    print("still to decide:")
    by_severity: dict[str, list[str]] = {}
    for monitor in monitors:
        if "severity" not in monitor.entry:
            priority = monitor.entry.get("priority")
            origin = f"P{priority}" if priority else "no priority"
            by_severity.setdefault(f"{severity_for_priority(priority)} (from {origin})", []).append(
                monitor.id
            )
    for severity, ids in sorted(by_severity.items()):
        print(f"  severity: routed as {severity}: {', '.join(ids)}; set `severity:` where that is wrong")
    for monitor in monitors:
        if monitor.entry.get("type") == "composite":
            numbers = ", ".join(dict.fromkeys(re.findall(r"\d+", str(monitor.entry.get("query", "")))))
            print(
                f"  composite: {monitor.id} combines Datadog monitors {numbers} by their numeric ids, so "
                "it keeps watching those monitors, not the ones this repository creates; after the first "
                "deploy, set its query to the new monitors' ids"
            )
    for monitor in monitors:
        handles = sorted(set(HANDLE.findall(str(monitor.entry.get("message", "")))))
        if handles:
            print(
                f"  routing: {monitor.id} notifies {', '.join(handles)} in its message, and the stack's "
                "observability:datadog.routing adds the handles of its severity: remove them to route by severity"
            )
    no_link = [
        m.id
        for m in monitors
        if "runbook_url" not in m.entry
        and not RUNBOOK_LINK.search(str(m.entry.get("message", "")))
        and not has_runbook_asset(m.entry)
    ]
    if no_link:
        print(
            f"  runbook link: none in {', '.join(no_link)}: add `runbook_url:` to each, or give every monitor "
            "without one a link built from its id (observability:datadog.runbookUrlTemplate)"
        )
    users: dict[str, list[str]] = {}
    for m in monitors:
        for name in query_variables(m.entry["query"], m.entry.get("template_variables") or {}):
            if name != "env":
                users.setdefault(name, []).append(m.id)
    for name, settings in _datadog_stacks(project_dir, stack):
        _print_stack_settings(name, settings, bool(no_link), users)


def _datadog_stacks(project_dir: Path, stack: str) -> list[tuple[str, DatadogSettings | None]]:
    """(stack, its Datadog settings) for each stack that enables Datadog; ``--stack`` if none does."""
    from infra.config import load_settings
    from obsctl.stackfile import read_stack_file, stack_names

    stacks: list[tuple[str, DatadogSettings | None]] = []
    for name in stack_names(project_dir):
        try:
            settings = load_settings(read_stack_file(project_dir, name).raw).datadog
        except DefinitionError:
            continue  # a broken stack file is the plan's to report
        if settings.enabled:
            stacks.append((name, settings))
    return stacks or [(stack, None)]


def _print_stack_settings(
    stack: str, settings: DatadogSettings | None, no_link: bool, users: dict[str, list[str]]
) -> None:
    """The ``observability:datadog`` lines the stack still needs, ready to paste."""
    lines = []
    if no_link and (settings is None or not settings.runbook_url_template):
        lines.append('    runbookUrlTemplate: "https://runbooks.example.com/datadog/{id}"')
    missing = sorted(set(users) - set(settings.template_variables if settings else {}))
    if missing:
        lines.append("    templateVariables:")
        lines += [
            f'      {v}: <tag value, or "*" for every value>  # in {", ".join(users[v])}' for v in missing
        ]
    routing = settings.routing if settings else None
    if routing is None or not (routing.critical or routing.warning or routing.info):
        lines.append('    routing: {critical: "@pagerduty-<service>", warning: "@slack-<channel>"}')
    if lines:
        print(f"  in Pulumi.{stack}.yaml, under observability:datadog:")
        print("\n".join(lines))
