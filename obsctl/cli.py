"""``obsctl``: the offline plan, plan diffs for pull requests, and the dashboard editing workflow."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
from pathlib import Path
from typing import Any

from infra.catalog.upstream_tools import MissingToolError
from infra.errors import DefinitionError
from obsctl.imports import add_import_parser
from obsctl.plan_command import PlanFailedError, add_plan_parser, plan_command

# Young objects are collected after this many allocations (CPython's default: 700). A plan's heap
# stays well under its memory goal without earlier collection (see `make bench`, peak RSS).
COLLECTION_THRESHOLDS = (100_000, 50, 1_000)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DefinitionError as error:
        sys.stdout.flush()
        for problem in error.problems:
            _print_error(f"error: {problem}")
        return 1
    except MissingToolError as error:
        _print_error(f"error: {error}")
        return 1
    except PlanFailedError as error:
        for line in str(error).splitlines():
            _print_error(f"error: {line}" if line and not line.startswith(" ") else line)
        return 1
    except KeyboardInterrupt as interrupt:
        # Whatever obsctl started is stopped by then (see obsctl/drill/processes.py).
        print(f"interrupted{f' ({interrupt})' if str(interrupt) else ''}: stopped", file=sys.stderr)
        return 130


def run() -> None:
    """The ``obsctl`` console script: :func:`main` in a process tuned for one short job.

    A plan allocates some hundred thousand objects (the SDK's outputs, futures and protobuf
    messages) that nearly all live until the plan is done; CPython's cycle collector would walk
    them again at every few hundred allocations, and again when the interpreter tears down. Both
    are a third of a plan's time and free nothing worth having in a process that ends seconds
    later, so collection starts late, and the process ends without teardown once only this thread
    is left: every file is written and closed and every child process stopped by then, since
    cleanup in obsctl runs in ``finally`` blocks and context managers, never at exit.
    """
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    try:
        status = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader went away (`obsctl plan prod | head`): stop quietly, as other CLI tools do.
        # Further writes to the closed pipe would raise again at exit, so stdout goes to devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
    if threading.active_count() == 1:
        os._exit(status)
    sys.exit(status)


def _print_error(line: str) -> None:
    """One line of an error. A message may quote the value it rejects: a credential in it is masked."""
    from obsctl.redact import redact_text

    print(redact_text(line), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="obsctl", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.yaml (default: the nearest one above the current directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    add_plan_parser(commands, _plan)
    _add_lint(commands)
    add_import_parser(commands, _import)
    _add_stack(commands)
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


def _add_lint(commands: Any) -> None:
    lint = commands.add_parser(
        "lint",
        help="check definition files without a stack: loaders, promtool, amtool, dashboard lint",
        description="Checks every definition file under the paths (default: the whole project) as the "
        "plan would, without a stack and without running the program. Exit 1 on any error.",
    )
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: all)")
    lint.add_argument(
        "--format", choices=("text", "github", "json"), default="text", help="github: workflow annotations"
    )
    lint.set_defaults(handler=_lint)


def _import(args: argparse.Namespace) -> int:
    from obsctl.imports import import_command

    return import_command(args, _project_dir(args))


def _lint(args: argparse.Namespace) -> int:
    from obsctl.lint import lint_paths, render_findings
    from obsctl.redact import redact_text

    findings, checked = lint_paths(_project_dir(args), args.paths)
    # A finding may quote the value it rejects: a credential in it is masked.
    sys.stdout.write(redact_text(render_findings(findings, checked, args.format)))
    return 1 if any(finding.severity == "error" for finding in findings) else 0


def _add_stack(commands: Any) -> None:
    stack = commands.add_parser("stack", help="environments: create a stack from another")
    stack_commands = stack.add_subparsers(dest="stack_command", required=True)
    init = stack_commands.add_parser(
        "init",
        help="write Pulumi.NAME.yaml and policy/config/NAME.json from an existing stack",
        description="Creates a stack from an existing one: its stack file (secrets left out, to be set "
        "again) and its policy config, then prints the steps left.",
    )
    init.add_argument("name", help="the new stack, e.g. dev")
    init.add_argument("--from", dest="source", required=True, metavar="STACK", help="the stack to copy")
    init.set_defaults(handler=_stack_init)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("observability-as-code")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _project_dir(args: argparse.Namespace) -> Path:
    if args.project_dir:
        return Path(args.project_dir).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise DefinitionError.single(str(here), "", "no Pulumi.yaml here or above: pass --project-dir")


def _plan(args: argparse.Namespace) -> int:
    return plan_command(args, _project_dir(args))


def _stack_init(args: argparse.Namespace) -> int:
    from obsctl.stack_init import init_stack

    return init_stack(_project_dir(args), args.name, args.source)


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
    from infra.catalog.dashboards.loader import discover

    project_dir = _project_dir(args)
    changed = format_all(project_dir, args.check)
    for path in changed:
        shown = path.relative_to(project_dir) if path.is_absolute() else path
        print(f"{'not canonical' if args.check else 'formatted'}: {shown}")
    total = len(discover(project_dir)[0])
    verdict = "not canonical" if args.check else "rewritten"
    print(f"{len(changed)} of {total} dashboard file(s) {verdict}; {total - len(changed)} already canonical")
    if args.check and changed:
        print("run `obsctl dashboard fmt` to rewrite them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run()
