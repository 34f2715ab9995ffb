"""``obsctl drill``: the lab run of every stack, or a live drill of one environment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.catalog.safe_files import write_atomically
from infra.errors import DefinitionError
from obsctl.drill.stack_inputs import NothingToDrill, stack_settings
from obsctl.stackfile import stack_names


def _stacks(args: argparse.Namespace, project_dir: Path) -> list[str]:
    if args.stacks:
        return list(args.stacks)
    return stack_names(project_dir)


def drill_command(args: argparse.Namespace, project_dir: Path) -> int:
    if args.definitions is not None and not args.definitions.is_dir():
        raise DefinitionError.single(str(args.definitions), "", "--definitions must be a directory")
    if args.alertmanager or args.cloudwatch:
        return _live(args, project_dir)
    from obsctl.drill.report import dumps, render_markdown, render_text
    from obsctl.drill.run import DEFAULT_FACTOR, run_drill

    factor = args.factor or DEFAULT_FACTOR
    if factor < 1:
        raise DefinitionError.single("--factor", "", "must be 1 (real time) or more")
    reports = []
    for stack in _stacks(args, project_dir):
        try:
            report = run_drill(
                project_dir,
                stack,
                definitions_dir=args.definitions,
                factor=factor,
                only=args.scenario,
                parallel=args.parallel,
                dashboards=args.dashboards,
            )
        except NothingToDrill as error:
            if args.stacks:  # asked for by name: say why it cannot be
                raise
            print(f"skipped stack {stack}: {error.problems[0].message}", file=sys.stderr)
            continue
        reports.append(report)
        if args.format == "text":
            sys.stdout.write(render_text(report))
            sys.stdout.flush()
    if args.format == "markdown":
        sys.stdout.write(render_markdown(reports))
    if args.json is not None:
        text = dumps(reports)
        if str(args.json) == "-":
            sys.stdout.write(text)
        else:
            write_atomically(args.json, text)
    return 0 if all(r.passed for r in reports) else 1


def _live(args: argparse.Namespace, project_dir: Path) -> int:
    from obsctl.drill.live import drill_alertmanager, drill_cloudwatch, pick_rule

    stacks = _stacks(args, project_dir)
    if len(stacks) != 1 or not args.stacks:
        raise DefinitionError.single("obsctl drill", "", "a live drill takes exactly one STACK")
    stack = stacks[0]
    if args.cloudwatch:
        drill_cloudwatch(args.cloudwatch, stack, stack_settings(project_dir, stack).region, args.hold)
    if args.alertmanager:
        from obsctl.drill.stack_inputs import stack_inputs

        inputs = stack_inputs(project_dir, stack, args.definitions)
        rule = pick_rule(inputs.alerts, args.alert, f"Pulumi.{stack}.yaml")
        drill_alertmanager(args.alertmanager, rule, args.hold)
    return 0
