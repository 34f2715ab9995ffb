"""``obsctl import dashboard``: Grafana dashboards as exported (the same as ``obsctl dashboard import``).

Besides writing each dashboard, it compares the datasource types the dashboards use with the ones
every stack declares (``observability:grafana.datasources`` in ``Pulumi.<stack>.yaml``) and prints,
for each type a stack lacks, the exact entry to paste there: a dashboard is never bound in silence
to a datasource of another type. A type only links use is a note (the plan deploys the dashboard
and warns), a type only ``__requires`` lists is not reported at all.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import DefinitionError

_PLAIN_SCALAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENTRY_LINE = re.compile(r"^(?P<indent>\s*)-\s")
_DEFAULT_INDENT = " " * 6
"""``config:`` > ``observability:grafana:`` > ``datasources:`` > ``- {...}`` in the shipped stack files."""


@dataclass(frozen=True)
class StackDatasources:
    """What one stack file declares, read leniently: an import must not fail on an unrelated key."""

    file: str
    types: frozenset[str]
    uids: set[str]
    names: set[str]
    indent: str
    """The indentation of the file's existing entries, so a printed entry pastes in place."""


def _flow_value(value: Any) -> str:
    text = str(value)
    return text if _PLAIN_SCALAR.match(text) and "://" not in text else json.dumps(text)


def flow_entry(entry: Mapping[str, Any]) -> str:
    """``{name: Tempo, type: tempo, uid: tempo, url: "http://tempo:3200"}``: one line of YAML."""
    return "{" + ", ".join(f"{key}: {_flow_value(value)}" for key, value in entry.items()) + "}"


def _entry_indent(text: str) -> str:
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() == "datasources:":
            for following in lines[number + 1 :]:
                match = _ENTRY_LINE.match(following)
                if match is not None:
                    return match["indent"]
    return _DEFAULT_INDENT


def read_stack_datasources(project_dir: Path) -> list[StackDatasources]:
    from infra.catalog.dashboards import canonical_plugin
    from obsctl.stackfile import read_stack_file, stack_names

    stacks: list[StackDatasources] = []
    for stack in stack_names(project_dir):
        stack_file = read_stack_file(project_dir, stack)
        raw = stack_file.raw.values.get("observability:grafana")
        if raw is None:
            continue  # no Grafana in this stack: dashboards are not deployed there
        try:
            grafana = json.loads(raw)
        except ValueError:
            continue
        entries = grafana.get("datasources") if isinstance(grafana, dict) else None
        entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        stacks.append(
            StackDatasources(
                file=stack_file.path.name,
                types=frozenset(canonical_plugin(str(e.get("type"))) for e in entries),
                uids={str(e.get("uid")) for e in entries},
                names={str(e.get("name")) for e in entries},
                indent=_entry_indent(stack_file.path.read_text(encoding="utf-8")),
            )
        )
    return stacks


def _where(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def datasource_advice(
    needs: Mapping[str, Mapping[str, tuple[str, list[str]]]], stacks: list[StackDatasources]
) -> list[str]:
    """One paragraph per stack lacking a type the dashboards use: which dashboard needs it where,
    and the entry to paste under ``observability:grafana.datasources``."""
    from infra.catalog.dashboards import SUPPORTED_DATASOURCE_TYPES, datasource_type, suggested_entry

    paragraphs: list[str] = []
    for stack in stacks:
        uids, names = set(stack.uids), set(stack.names)
        for plugin in sorted({p for uses in needs.values() for p in uses}):
            if plugin in stack.types:
                continue
            users = {
                source: uses[plugin]
                for source, uses in needs.items()
                if plugin in uses and uses[plugin][0] != "listed"
            }
            if not users:
                continue
            queried = {source: paths for source, (kind, paths) in users.items() if kind == "query"}
            by_whom = "; ".join(
                f"{source} {'queries' if source in queried else 'links to'} one ({_where(paths)})"
                for source, (_, paths) in sorted(users.items())
            )
            entry = suggested_entry(plugin, uids, names)
            if entry is None:
                known = datasource_type(plugin)
                paragraphs.append(
                    f"{'action' if queried else 'note'}: {stack.file} declares no {plugin} datasource; {by_whom}; "
                    f"{plugin} {'is' if known else 'is not'} a type observability:grafana.datasources "
                    f"can declare (supported: {', '.join(SUPPORTED_DATASOURCE_TYPES)})"
                )
                continue
            uids.add(entry["uid"])
            names.add(entry["name"])
            fields = [key for key in entry if key not in ("name", "type", "uid")]
            what = (
                "the plan fails until it is declared; add it under observability:grafana: datasources:"
                if queried
                else "the dashboard deploys (the plan warns) and only the link opens nothing; to make it "
                "work, add under observability:grafana: datasources:"
            )
            paragraphs.append(
                f"{'action' if queried else 'note'}: {stack.file} declares no {plugin} datasource; "
                f"{by_whom}: {what} (set {', '.join(fields) or 'name and uid'} to your own)\n"
                f"{stack.indent}- {flow_entry(entry)}"
            )
    return paragraphs


def lint_errors(written: Path, project_dir: Path) -> list[str]:
    """What the plan will refuse in a written dashboard (broken PromQL, an undefined variable),
    printed at import so the user learns it from the import, not from a failing plan: Grafana
    itself loads such a dashboard, so it is written, and the panel must be fixed in the file."""
    from infra.catalog.dashboards import lint, load_dashboard_file, normalize
    from infra.catalog.dashboards.catalog import default_uid_for

    raw = load_dashboard_file(written, project_dir)
    report = lint(normalize(raw.dashboard, uid=default_uid_for(raw)), raw.source)
    return [
        f"action: {problem}: the plan fails until this is fixed in the file (Grafana loads the "
        "dashboard, but this does not work as written)"
        for problem in report.errors
    ]


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.dashboards import adopt_dashboard, needs_by_type

    if args.to is None:
        raise DefinitionError.single(
            "obsctl import dashboard", "--to", "names the folder: --to dashboards/platform"
        )
    folder = args.to.name if args.to.parent.name == "dashboards" else str(args.to)
    uid = args.uid
    if uid is not None and len(args.files) > 1:
        raise DefinitionError.single("obsctl import dashboard", "--uid", "names the uid of one dashboard")
    needs: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for source in args.files:
        imported = adopt_dashboard(source, folder, project_dir, uid=uid)
        written = imported.path.relative_to(project_dir).as_posix()
        print(f"wrote {written} (uid {imported.uid})")
        for note in imported.notes:
            print(f"note: {note}")
        for action in lint_errors(imported.path, project_dir):
            print(action)
        needs[written] = {
            plugin: (kind, paths)
            for plugin, (kind, paths) in needs_by_type(list(imported.datasources)).items()
        }
    for paragraph in datasource_advice(needs, read_stack_datasources(project_dir)):
        print(paragraph)
    return 0
