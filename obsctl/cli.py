"""``obsctl``: the offline plan, plan diffs for pull requests, and the dashboard editing workflow."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.config import missing_secret_message
from infra.errors import DefinitionError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DefinitionError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except PlanFailedError as error:
        for line in str(error).splitlines():
            print(f"error: {line}" if line and not line.startswith(" ") else line, file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        # Whatever obsctl started is stopped by then (see obsctl/drill/processes.py).
        print(f"interrupted{f' ({interrupt})' if str(interrupt) else ''}: stopped", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="obsctl", description=__doc__)
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.yaml (default: the nearest one above the current directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser(
        "plan", help="run the real program of a stack offline and show what it declares"
    )
    plan.add_argument("stack", help="stack name, e.g. staging or prod (reads Pulumi.<stack>.yaml)")
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write the machine-readable plan here")
    plan.add_argument(
        "--diff", type=Path, metavar="OLD.json", help="show what changed since an earlier --json plan"
    )
    plan.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="output format of --diff"
    )
    plan.add_argument(
        "--definitions",
        type=Path,
        metavar="DIR",
        help="root holding dashboards/ and alerts/ (default: the project)",
    )
    plan.add_argument("--quiet", action="store_true", help="print only the summary")
    plan.add_argument(
        "--no-policies",
        dest="policies",
        action="store_false",
        help="skip the policy pack in policy/ (it runs by default; a mandatory violation exits 1)",
    )
    plan.set_defaults(handler=_plan)

    _add_drill(commands)

    dashboard = commands.add_parser("dashboard", help="the Grafana dashboard editing workflow")
    dashboard_commands = dashboard.add_subparsers(dest="dashboard_command", required=True)
    importer = dashboard_commands.add_parser(
        "import", help="turn a dashboard exported from Grafana into a canonical file under dashboards/"
    )
    importer.add_argument("exported", type=Path, help="the JSON file Grafana exported (any export shape)")
    importer.add_argument("--folder", required=True, help="folder under dashboards/, e.g. platform")
    importer.set_defaults(handler=_dashboard_import)
    fmt = dashboard_commands.add_parser("fmt", help="rewrite every dashboard in canonical form")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not canonical")
    fmt.set_defaults(handler=_dashboard_fmt)
    return parser


def _add_drill(commands: Any) -> None:
    drill = commands.add_parser(
        "drill",
        help="mock incidents through the real Prometheus and Alertmanager, delivered to captured receivers",
        description="Runs every scenario of drills/ against the rules and routing a stack's plan registers, "
        "in a local lab (real prometheus and alertmanager on 127.0.0.1, capture sinks for every receiver). "
        "With --alertmanager or --cloudwatch, drills a real environment instead.",
    )
    drill.add_argument(
        "stacks", nargs="*", metavar="STACK", help="stacks to drill (default: every Pulumi.<stack>.yaml)"
    )
    drill.add_argument(
        "--scenario", action="append", metavar="NAME", help="run only this scenario (repeatable)"
    )
    drill.add_argument("--factor", type=float, default=None, help="time compression (default: 120)")
    drill.add_argument("--parallel", type=int, default=12, help="labs running at once (default: 12)")
    drill.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the report as JSON (- for stdout)"
    )
    drill.add_argument("--format", choices=("text", "markdown"), default="text", help="report format")
    drill.add_argument(
        "--definitions", type=Path, metavar="DIR", help="root holding drills/, dashboards/, alerts/"
    )
    drill.add_argument(
        "--no-dashboards",
        dest="dashboards",
        action="store_false",
        help="skip running the dashboards' queries against the drill data",
    )
    drill.add_argument("--alertmanager", metavar="URL", help="live: post a drill alert to this Alertmanager")
    drill.add_argument(
        "--alert", metavar="NAME", help="live: the alert to imitate (default: first critical one)"
    )
    drill.add_argument(
        "--cloudwatch", metavar="ALARM", help="live: set this CloudWatch alarm to ALARM, then OK"
    )
    drill.add_argument(
        "--hold", type=float, default=60.0, help="live: seconds before resolving (default: 60)"
    )
    drill.set_defaults(handler=_drill)


class PlanFailedError(Exception):
    pass


def _project_dir(args: argparse.Namespace) -> Path:
    if args.project_dir:
        return Path(args.project_dir).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise DefinitionError.single(str(here), "", "no Pulumi.yaml here or above: pass --project-dir")


def _plan(args: argparse.Namespace) -> int:
    from obsctl.diff import diff_plans, render_diff_text
    from obsctl.policy import render_policy_report, run_policies
    from obsctl.render import render_summary, render_text
    from obsctl.runner import PlanFailed, plan_stack

    project_dir = _project_dir(args)
    if args.definitions and not args.definitions.is_dir():
        raise DefinitionError.single(str(args.definitions), "", "--definitions must be a directory")
    try:
        plan = plan_stack(project_dir, args.stack, definitions_dir=args.definitions)
    except PlanFailed as error:
        raise PlanFailedError(str(error)) from None
    report = run_policies(plan) if args.policies else None

    document = plan.to_json()
    if args.diff:
        old = _read_plan(args.diff)
        diff = diff_plans(old, document)
        if args.format == "markdown":
            from obsctl.markdown import render_diff_markdown

            sys.stdout.write(render_diff_markdown([diff], [report] if report else None))
        else:
            sys.stdout.write(render_diff_text(diff))
    elif args.quiet:
        print("\n".join(render_summary(plan)))
    else:
        sys.stdout.write(render_text(plan))
    if report is not None and args.format == "text":
        sys.stdout.write("\n" + render_policy_report(report))
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if plan.missing_secrets:
        print(
            "warning: the plan uses masked placeholders for these; a real `pulumi up` stops here.\n"
            + missing_secret_message(f"Pulumi.{plan.stack}.yaml", plan.stack, plan.missing_secrets),
            file=sys.stderr,
        )
    if args.json:
        args.json.write_text(plan.dumps(), encoding="utf-8")
    return 1 if report is not None and report.mandatory_violations else 0


def _drill(args: argparse.Namespace) -> int:
    from obsctl.drill.cli import drill_command

    return drill_command(args, _project_dir(args))


def _dashboard_import(args: argparse.Namespace) -> int:
    from infra.catalog.dashboards import import_dashboard

    written = import_dashboard(args.exported, args.folder, _project_dir(args))
    print(f"wrote {written.relative_to(_project_dir(args))}")
    return 0


def _dashboard_fmt(args: argparse.Namespace) -> int:
    from infra.catalog.dashboards import format_all

    project_dir = _project_dir(args)
    changed = format_all(project_dir, args.check)
    for path in changed:
        shown = path.relative_to(project_dir) if path.is_absolute() else path
        print(f"{'not canonical' if args.check else 'formatted'}: {shown}")
    if args.check and changed:
        print("run `obsctl dashboard fmt` to rewrite them", file=sys.stderr)
        return 1
    return 0


def _read_plan(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DefinitionError.single(
            str(path), "", f"is not a plan written by `obsctl plan --json`: {error}"
        ) from None
    if not isinstance(document, dict) or "resources" not in document:
        raise DefinitionError.single(str(path), "", "is not a plan written by `obsctl plan --json`")
    return document


if __name__ == "__main__":
    sys.exit(main())
