"""``obsctl import KIND FILE... [--to PATH] [--force]``: what a team already runs, as definition files.

Each kind reads the files people have (exports, Kubernetes Secrets, console sources), writes the
canonical definition file inside the repository, never over an existing one without ``--force``,
refuses a file the target system itself would refuse (saying why), and prints what it wrote and
what the user still has to decide. Kinds so far: ``alertmanager``, ``cloudformation`` (its
CloudWatch alarms and dashboards), ``cloudwatch-dashboard`` and ``dashboard`` (Grafana; the same as
``obsctl dashboard import``).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text, require_inside, write_atomically
from infra.errors import DefinitionError

KINDS = ("alertmanager", "cloudformation", "cloudwatch-dashboard", "dashboard")
ALERTMANAGER_HEADER = (
    "# yaml-language-server: $schema=https://json.schemastore.org/prometheus-alertmanager.json\n"
    "# Imported by `obsctl import alertmanager`; secrets are ${secret:NAME} placeholders, bound per stack\n"
    "# in Pulumi.<stack>.yaml (observability:alertmanager.secrets).\n"
)


def add_import_parser(commands: Any, handler: Callable[[argparse.Namespace], int]) -> None:
    parser = commands.add_parser(
        "import",
        help="bring existing definitions in: Alertmanager configs, CloudWatch and Grafana dashboards",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=KINDS, help="what the files are")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help="where to write (alertmanager: a file, default alerts/alertmanager.yaml; cloudwatch-dashboard: "
        "a folder, default cloudwatch-dashboards/; dashboard: a folder under dashboards/, required)",
    )
    parser.add_argument("--force", action="store_true", help="replace a file that exists")
    parser.add_argument("--stack", default="<stack>", help="the stack the printed commands name")
    parser.set_defaults(handler=handler)


def import_command(args: argparse.Namespace, project_dir: Path) -> int:
    importers = {
        "alertmanager": _alertmanager,
        "cloudformation": _cloudformation,
        "cloudwatch-dashboard": _cloudwatch_dashboards,
        "dashboard": _grafana_dashboards,
    }
    return importers[args.kind](args, project_dir)


def _target(project_dir: Path, given: Path | None, default: str) -> Path:
    """``--to`` as given (relative to the working directory), or the default in the project."""
    if given is None:
        return project_dir / default
    target = given if given.is_absolute() else Path.cwd() / given
    require_inside(target, project_dir, str(given))
    return target


def _refuse_existing(target: Path, project_dir: Path, force: bool) -> None:
    if (target.exists() or target.is_symlink()) and not force:
        raise DefinitionError.single(
            str(target.relative_to(project_dir)),
            "",
            "exists: pass --force to replace it (git shows what changes)",
        )


def _alertmanager(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.alertmanager import (
        CONFIG_FILE,
        AlertmanagerConfig,
        check_with_stand_ins,
        load_alertmanager,
        refusal_reason,
    )
    from infra.catalog.alertmanager_import import import_alertmanager
    from infra.catalog.strict_yaml import dump
    from infra.catalog.upstream_tools import MissingToolError

    if len(args.files) != 1:
        raise DefinitionError.single("obsctl import alertmanager", "", "takes one configuration file")
    source = args.files[0]
    imported = import_alertmanager(read_text(source, str(source)), str(source))
    target = _target(project_dir, args.to, CONFIG_FILE)
    _refuse_existing(target, project_dir, args.force)
    config = AlertmanagerConfig(str(source), imported.config)
    try:
        run = check_with_stand_ins(config)
        if not run.ok:
            reason = refusal_reason(run)
            raise DefinitionError.single(
                str(source), "", f"Alertmanager refuses it (amtool check-config): {reason}"
            )
        checked = "amtool check-config accepts it"
    except MissingToolError:
        checked = "NOT checked by amtool (not installed: `make tools`)"
    write_atomically(target, ALERTMANAGER_HEADER + dump(imported.config), inside=project_dir)
    shown = target.relative_to(project_dir)
    for note in imported.notes:
        print(f"note: {note}")
    print(f"wrote {shown} ({checked})")
    _print_secret_bindings(imported.secrets, args.stack, str(source))
    _print_stale_bindings(project_dir, [s.placeholder for s in imported.secrets])
    try:
        load_alertmanager(target, project_dir)
    except DefinitionError as error:
        print(f"still to decide ({len(error.problems)}): `obsctl plan` refuses these until they are fixed")
        for problem in error.problems:
            print(f"  {problem}")
    return 0


def _print_secret_bindings(secrets: list[Any], stack: str, source: str) -> None:
    if not secrets:
        print("no inline secret found")
        return
    print(f"{len(secrets)} inline secret(s) replaced by placeholders; bind them in Pulumi.{stack}.yaml:")
    print("  observability:alertmanager:")
    print("    secrets:")
    for secret in secrets:
        print(f"      {secret.placeholder}: {secret.config_key}")
    print("then set each value (it is at the path shown, in the file you imported; never commit it):")
    for secret in secrets:
        print(f"  pulumi config set --secret observability:{secret.config_key} <value> --stack {stack}")
        print(f"      # {source}: {', '.join(secret.paths)}")


def _print_stale_bindings(project_dir: Path, placeholders: list[str]) -> None:
    """What each stack file binds for the configuration it replaced, and no longer needs."""
    from obsctl.stackfile import read_stack_file, stack_names

    for stack in stack_names(project_dir):
        try:
            raw = read_stack_file(project_dir, stack).raw.values.get("observability:alertmanager")
            section = json.loads(raw) if raw else {}
        except (DefinitionError, ValueError):
            continue
        stale = sorted(set(section.get("secrets") or {}) - set(placeholders))
        values = sorted(section.get("values") or {})
        if stale or values:
            print(
                f"Pulumi.{stack}.yaml: observability:alertmanager binds what the new file does not use "
                f"(secrets: {', '.join(stale) or 'none'}; values: {', '.join(values) or 'none'}): replace the section"
            )


def _cloudwatch_dashboards(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR, load_dashboards
    from infra.catalog.strict_json import load_json

    folder = _target(project_dir, args.to, DASHBOARDS_DIR)
    written: list[Path] = []
    for source in args.files:
        document = load_json(read_text(source, str(source)), str(source))
        envelope = isinstance(document, dict) and isinstance(document.get("DashboardBody"), str)
        name = document.get("DashboardName") if envelope else None
        body = load_json(document["DashboardBody"], f"{source}: DashboardBody") if envelope else document
        stem = _dashboard_id(str(name or source.stem))
        target = folder / f"{stem}.json"
        _refuse_existing(target, project_dir, args.force)
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


def _cloudformation(args: argparse.Namespace, project_dir: Path) -> int:
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
            target = project_dir / "alerts" / "cloudwatch" / f"{_dashboard_id(source.stem).lower()}.yaml"
            _refuse_existing(target, project_dir, args.force)
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
            _refuse_existing(target, project_dir, args.force)
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


def _dashboard_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "dashboard"


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


def _grafana_dashboards(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.dashboards import import_dashboard

    if args.to is None:
        raise DefinitionError.single(
            "obsctl import dashboard", "--to", "names the folder: --to dashboards/platform"
        )
    folder = args.to.name if args.to.parent.name == "dashboards" else str(args.to)
    for source in args.files:
        written = import_dashboard(source, folder, project_dir)
        print(f"wrote {written.relative_to(project_dir)}")
    return 0
