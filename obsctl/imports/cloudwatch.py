"""``obsctl import cloudformation`` and ``obsctl import cloudwatch-dashboard``.

Templates (JSON, or YAML with short-form intrinsics) give alarms and composite alarms for
``alerts/cloudwatch/<template>.yaml``, metric filters for ``alerts/cloudwatch/<template>.log-metrics.yaml``,
saved Logs Insights queries for ``cloudwatch-queries/<template>.yaml`` and dashboard bodies for
``cloudwatch-dashboards/``; console sources and ``get-dashboard`` output give dashboards. Everything
is loaded as the plan loads it before a file is written.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text, write_atomically
from infra.errors import DefinitionError
from obsctl.imports.common import dashboard_id, refuse_existing, scratch_copy, target_path


def run_dashboards(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR, load_dashboards
    from infra.catalog.strict_json import load_json

    folder = target_path(project_dir, args.to, DASHBOARDS_DIR)
    written: list[Path] = []
    for source in args.files:
        document = load_json(read_text(source, str(source)), str(source))
        envelope = isinstance(document, dict) and isinstance(document.get("DashboardBody"), str)
        name = document.get("DashboardName") if envelope else None
        body = load_json(document["DashboardBody"], f"{source}: DashboardBody") if envelope else document
        stem = dashboard_id(str(name or source.stem))
        target = folder / f"{stem}.json"
        refuse_existing(target, project_dir, args.force)
        # Checked as the plan checks it before anything is written: a scratch copy in its own tree.
        _check_cloudwatch_body(body, stem, str(source), load_dashboards)
        write_atomically(
            target, json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n", inside=project_dir
        )
        written.append(target)
    for target in written:
        print(f"wrote {target.relative_to(project_dir)}")
    print(
        "still to decide: replace account-specific values (load balancers, instance ids, regions) with "
        "${resources.<key>} and ${region}, set in each Pulumi.<stack>.yaml (see README, CloudWatch dashboards)"
    )
    return 0


def run_cloudformation(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.cloudwatch import import_cfn_alarms, load_catalog
    from infra.catalog.cloudwatch.cfn_import import kebab_case
    from infra.catalog.cloudwatch.cfn_logs import import_cfn_logs
    from infra.catalog.cloudwatch.cfn_template import IMPORTED_TYPES, dashboard_bodies, read_template
    from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR, load_dashboards
    from infra.catalog.cloudwatch.queries import QUERIES_DIR, load_queries
    from infra.catalog.strict_yaml import dump

    catalog_ids = _catalog_ids(project_dir, load_catalog)
    stack_log_groups = _stack_log_groups(project_dir)
    written: list[Path] = []
    notes: list[str] = []
    for source in args.files:
        template = read_template(read_text(source, str(source)), str(source))
        alarms = import_cfn_alarms(template, source=str(source), catalog_ids=catalog_ids)
        logs = import_cfn_logs(template, source=str(source), stack_log_groups=stack_log_groups)
        bodies = dashboard_bodies(template, str(source))
        skipped = [
            (f"Resources.{logical_id} ({resource.get('Type')})", _not_imported_reason(resource.get("Type")))
            for logical_id, resource in template["Resources"].items()
            if isinstance(resource, dict)
            and str(resource.get("Type", "")).startswith(("AWS::CloudWatch::", "AWS::Logs::"))
            and resource.get("Type") not in IMPORTED_TYPES
        ]
        header = f"# Imported from {source.name} by `obsctl import cloudformation`.\n"
        stem = dashboard_id(source.stem).lower()
        pending: list[tuple[Path, str]] = []
        if alarms:
            target = project_dir / "alerts" / "cloudwatch" / f"{stem}.yaml"
            pending.append(
                (target, _SCHEMA_LINE.format("cloudwatch-alarms") + header + dump({"alarms": alarms}))
            )
        for index, (namespace, filters) in enumerate(logs.metric_filters.items()):
            # A file has one namespace: the template's second namespace gets a file of its own.
            name = f"{stem}.log-metrics.yaml" if index == 0 else f"{stem}-{index + 1}.log-metrics.yaml"
            text = dump({"namespace": namespace, "filters": filters})
            pending.append(
                (
                    project_dir / "alerts" / "cloudwatch" / name,
                    _SCHEMA_LINE.format("cloudwatch-log-metrics") + header + text,
                )
            )
        if logs.queries:
            target = project_dir / QUERIES_DIR / f"{kebab_case(source.stem) or 'imported'}.yaml"
            text = _SCHEMA_LINE.format("cloudwatch-queries").replace("../../", "../") + header
            pending.append((target, text + dump({"queries": logs.queries})))
        for logical_id, body in bodies.items():
            dashboard = kebab_case(logical_id)
            _check_cloudwatch_body(body, dashboard, str(source), load_dashboards)
            target = project_dir / DASHBOARDS_DIR / f"{dashboard}.json"
            pending.append((target, json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"))
        for target, _ in pending:
            refuse_existing(target, project_dir, args.force)
        alarm_files = [p for p in pending if p[0].parent.name == "cloudwatch"]
        query_files = [p for p in pending if p[0].parent.name == QUERIES_DIR]
        _check_with(
            project_dir,
            "alerts/cloudwatch",
            alarm_files,
            str(source),
            load_catalog,
            "alarms and metric filters",
        )
        _check_with(project_dir, QUERIES_DIR, query_files, str(source), load_queries, "saved queries")
        for target, text in pending:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, text, inside=project_dir)
            written.append(target)
        for item, reason in skipped:
            print(f"not imported: {source}: {item}: {reason}")
        notes += [f"{source}: {note}" for note in logs.notes]
    for target in written:
        print(f"wrote {target.relative_to(project_dir)}")
    _print_resource_references(written)
    if notes:
        print("still to decide, for the log groups:")
        for note in notes:
            print(f"  {note}")
    return 0


_SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/{}.schema.json\n"


def _not_imported_reason(resource_type: Any) -> str:
    if resource_type == "AWS::Logs::LogGroup":
        return (
            "each stack creates its log groups from observability:logs.groups (under its logs prefix); "
            "filters and queries on it were mapped to those"
        )
    return "obsctl import does not read this type yet"


def _catalog_ids(project_dir: Path, load: Callable[[Path], Any]) -> set[str]:
    """The alarm ids ``alerts/cloudwatch/`` defines, for composite rules that name them."""
    if not (project_dir / "alerts" / "cloudwatch").is_dir():
        return set()
    try:
        return set(load(project_dir).alarms)
    except DefinitionError:
        return set()  # the check before writing reports what does not load


def _stack_log_groups(project_dir: Path) -> tuple[str, ...]:
    """The log groups every stack of the project creates (``observability:logs.groups``)."""
    from infra.catalog.strict_yaml import load_documents
    from infra.settings.logs import DEFAULT_LOG_GROUPS

    common: set[str] | None = None
    for stack_file in sorted(project_dir.glob("Pulumi.*.yaml")):
        try:
            (document,) = load_documents(read_text(stack_file, stack_file.name), stack_file.name)
            groups = ((document.get("config") or {}).get("observability:logs") or {}).get("groups")
        except (DefinitionError, ValueError, AttributeError):
            groups = None
        found = set(groups) if isinstance(groups, list) else set(DEFAULT_LOG_GROUPS)
        common = found if common is None else common & found
    return tuple(sorted(common)) if common is not None else DEFAULT_LOG_GROUPS


def _check_with(
    project_dir: Path,
    folder: str,
    files: list[tuple[Path, str]],
    source: str,
    load: Callable[[Path], Any],
    what: str,
) -> None:
    """``folder`` with the new files, loaded as the plan loads it, before anything is written."""
    if not files:
        return
    with scratch_copy(project_dir, folder, [(Path(folder) / t.name, text) for t, text in files]) as root:
        try:
            load(root)
        except DefinitionError as error:
            lines = [str(problem) for problem in error.problems]
            raise DefinitionError.single(
                source, "", f"its {what} do not load:\n  " + "\n  ".join(lines)
            ) from None


def _print_resource_references(written: list[Path]) -> None:
    """Each ${resources.<key>} the new files use, and where a stack sets it."""
    from infra.settings.cloudwatch import CloudWatchResources

    typed = {field.alias or name for name, field in CloudWatchResources.model_fields.items()}
    keys = sorted(
        {key for path in written for key in re.findall(r"\$\{resources\.([A-Za-z0-9]+)", path.read_text())}
    )
    if not keys:
        return
    print(
        "still to decide: set what these refer to in each Pulumi.<stack>.yaml, under observability:cloudwatch.resources:"
    )
    for key in (k for k in keys if k in typed):
        print(f"  {key}: <value>")
    others = [k for k in keys if k not in typed]
    if others:
        print("  other:")
        for key in others:
            print(f"    {key}: <value>")
    print("and review each alarm's severity and runbook_url (the import sets warning and a placeholder link)")


def _check_cloudwatch_body(body: Any, stem: str, source: str, load: Callable[[Path], Any]) -> None:
    body_file = (Path("cloudwatch-dashboards") / f"{stem}.json", json.dumps(body))
    with scratch_copy(Path(), None, [body_file]) as root:  # the body alone, as the plan reads it
        try:
            load(root)
        except DefinitionError as error:
            # Problems name the scratch file; the user knows it by the file they gave.
            lines = [
                f"{source}: {p.location}: {p.message}" if p.location else f"{source}: {p.message}"
                for p in error.problems
            ]
            raise DefinitionError.single(
                source, "", "CloudWatch would refuse it:\n  " + "\n  ".join(lines)
            ) from None
