"""``obsctl import cloudformation`` and ``obsctl import cloudwatch-dashboard``.

Templates (JSON, or YAML with short-form intrinsics) give alarms for ``alerts/cloudwatch/`` and
dashboard bodies for ``cloudwatch-dashboards/``; console sources and ``get-dashboard`` output give
dashboards. Everything is loaded as the plan loads it before a file is written.
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
from obsctl.imports.common import dashboard_id, refuse_existing, target_path


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
    from infra.catalog.cloudwatch.cfn_template import IMPORTED_TYPES, dashboard_bodies, read_template
    from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR, load_dashboards
    from infra.catalog.strict_yaml import dump

    written: list[Path] = []
    for source in args.files:
        template = read_template(read_text(source, str(source)), str(source))
        alarms = import_cfn_alarms(template, source=str(source))
        bodies = dashboard_bodies(template, str(source))
        skipped = [
            f"Resources.{logical_id} ({resource.get('Type')})"
            for logical_id, resource in template["Resources"].items()
            if isinstance(resource, dict)
            and str(resource.get("Type", "")).startswith(("AWS::CloudWatch::", "AWS::Logs::"))
            and resource.get("Type") not in IMPORTED_TYPES
        ]
        pending: list[tuple[Path, str]] = []
        if alarms:
            target = project_dir / "alerts" / "cloudwatch" / f"{dashboard_id(source.stem).lower()}.yaml"
            refuse_existing(target, project_dir, args.force)
            pending.append(
                (
                    target,
                    f"# Imported from {source.name} by `obsctl import cloudformation`.\n"
                    + dump({"alarms": alarms}),
                )
            )
        for logical_id, body in bodies.items():
            stem = kebab_case(logical_id)
            _check_cloudwatch_body(body, stem, str(source), load_dashboards)
            target = project_dir / DASHBOARDS_DIR / f"{stem}.json"
            refuse_existing(target, project_dir, args.force)
            pending.append((target, json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"))
        _check_alarm_catalog(
            project_dir, [p for p in pending if p[0].suffix == ".yaml"], str(source), load_catalog
        )
        for target, text in pending:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, text, inside=project_dir)
            written.append(target)
        for item in skipped:
            print(f"not imported: {source}: {item}: obsctl import does not read this type yet")
    for target in written:
        print(f"wrote {target.relative_to(project_dir)}")
    _print_resource_references(written)
    return 0


def _check_alarm_catalog(
    project_dir: Path, files: list[tuple[Path, str]], source: str, load: Callable[[Path], Any]
) -> None:
    """The alarm catalog with the new files, loaded as the plan loads it, before anything is written."""
    import shutil
    import tempfile

    if not files:
        return
    with tempfile.TemporaryDirectory(prefix="obsctl-import-") as scratch:
        root = Path(scratch)
        catalog = root / "alerts" / "cloudwatch"
        if (project_dir / "alerts" / "cloudwatch").is_dir():
            shutil.copytree(project_dir / "alerts" / "cloudwatch", catalog)
        catalog.mkdir(parents=True, exist_ok=True)
        for target, text in files:
            (catalog / target.name).write_text(text, encoding="utf-8")
        try:
            load(root)
        except DefinitionError as error:
            lines = [str(problem) for problem in error.problems]
            raise DefinitionError.single(
                source, "", "its alarms do not load:\n  " + "\n  ".join(lines)
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
    for key in keys:
        print(f"  {key}: <value>" if key in typed else f"  other: {{{key}: <value>}}")
    print("and review each alarm's severity and runbook_url (the import sets warning and a placeholder link)")


def _check_cloudwatch_body(body: Any, stem: str, source: str, load: Callable[[Path], Any]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="obsctl-import-") as scratch:
        root = Path(scratch)
        folder = root / "cloudwatch-dashboards"
        folder.mkdir()
        (folder / f"{stem}.json").write_text(json.dumps(body), encoding="utf-8")
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
