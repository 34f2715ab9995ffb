"""``obsctl plan``: one stack or every stack, as a plan, a diff against a revision or a file, or JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.config import NAMESPACE, missing_secret_message
from infra.errors import DefinitionError
from obsctl.base_plan import BasePlan, plan_base, read_plan_file
from obsctl.stackfile import stack_names
from obsctl.writes import write_output

if TYPE_CHECKING:
    from obsctl.alertmanager_check import AmtoolVerdict
    from obsctl.plan import Plan

FAIL_ON = ("missing-secrets",)


class PlanFailedError(Exception):
    pass


def add_plan_parser(commands: Any, handler: Callable[[argparse.Namespace], int]) -> None:
    plan = commands.add_parser(
        "plan",
        help="run the real program of a stack offline and show what it declares",
        description="Runs __main__.py for a stack under the Pulumi SDK's mock runtime and prints what it "
        "registers, then the policy results. With --base or --diff, prints what a change adds, changes, "
        "replaces and removes.",
    )
    plan.add_argument("stack", nargs="?", help="stack name, e.g. staging (reads Pulumi.<stack>.yaml)")
    plan.add_argument(
        "--all", action="store_true", help="plan every stack; report every failure, then exit 1"
    )
    plan.add_argument(
        "--json", metavar="FILE", help="also write the machine-readable plan here (- for stdout, alone)"
    )
    plan.add_argument(
        "--diff", type=Path, metavar="OLD.json", help="show what changed since an earlier --json plan"
    )
    plan.add_argument(
        "--base",
        metavar="REF",
        help="show what changed since git revision REF, planned in a temporary worktree with its own code",
    )
    plan.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="format of --diff/--base output"
    )
    plan.add_argument(
        "--definitions",
        type=Path,
        metavar="DIR",
        help="root holding dashboards/ and alerts/ (default: the project)",
    )
    plan.add_argument("--quiet", action="store_true", help="print only the summary")
    plan.add_argument(
        "--secrets",
        action="store_true",
        help="list every secret the stack needs, whether it is set, and how to set it",
    )
    plan.add_argument(
        "--fail-on",
        action="append",
        choices=FAIL_ON,
        default=[],
        help="exit 1 when a required secret is not set in the stack file (CI uses it for main)",
    )
    plan.add_argument(
        "--no-policies",
        dest="policies",
        action="store_false",
        help="skip the policy pack in policy/ (it runs by default; a mandatory violation exits 1)",
    )
    plan.set_defaults(handler=handler)


def plan_command(args: argparse.Namespace, project_dir: Path) -> int:
    stacks = _stacks(args, project_dir)
    if args.definitions and not args.definitions.is_dir():
        raise DefinitionError.single(str(args.definitions), "", "--definitions must be a directory")
    if args.format == "markdown" and not (args.diff or args.base):
        raise DefinitionError.single(
            "--format markdown", "", "renders a diff: add --base REF or --diff OLD.json"
        )
    if args.diff and args.base:
        raise DefinitionError.single("--diff", "", "compares with a file; --base with a revision: use one")
    if args.json and len(stacks) > 1:
        raise DefinitionError.single("--json", "", "writes one stack's plan: give a stack, not --all")
    if args.diff and len(stacks) > 1:
        raise DefinitionError.single("--diff", "", "compares one stack's plan: give a stack, not --all")
    if args.secrets:
        return _print_secrets(project_dir, stacks)
    bases: dict[str, BasePlan] = {}
    if args.base:
        bases = plan_base(project_dir, args.base, stacks)
    if args.diff:
        bases = {stacks[0]: BasePlan(str(args.diff), "", read_plan_file(args.diff))}
    if len(stacks) == 1:
        return _plan_one(args, project_dir, stacks[0], bases)
    return _plan_many(args, project_dir, stacks, bases)


def _stacks(args: argparse.Namespace, project_dir: Path) -> list[str]:
    if args.all and args.stack:
        raise DefinitionError.single("obsctl plan", args.stack, "give a stack or --all, not both")
    if args.all:
        stacks = stack_names(project_dir)
        if not stacks:
            raise DefinitionError.single(str(project_dir), "", "holds no Pulumi.<stack>.yaml")
        return stacks
    if not args.stack:
        known = ", ".join(stack_names(project_dir)) or "none"
        raise DefinitionError.single("obsctl plan", "", f"name a stack or pass --all (stacks here: {known})")
    return [args.stack]


def _plan_many(
    args: argparse.Namespace, project_dir: Path, stacks: list[str], bases: dict[str, BasePlan]
) -> int:
    """Every stack, each failure reported, then one exit status; a markdown diff is one comment."""
    if args.format == "markdown":
        return _markdown(args, project_dir, stacks, bases)
    failed: list[str] = []
    for stack in stacks:
        print(f"== {stack} ==", flush=True)
        try:
            status = _plan_one(args, project_dir, stack, bases)
        except DefinitionError as error:
            _print_errors([f"error: {problem}" for problem in error.problems])
            status = 1
        except PlanFailedError as error:
            _print_errors([f"error: {line}" for line in str(error).splitlines()])
            status = 1
        if status:
            failed.append(stack)
        print(flush=True)
    if failed:
        print(f"error: {len(failed)} of {len(stacks)} stacks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"{len(stacks)} stacks planned: {', '.join(stacks)}")
    return 0


def _plan_one(args: argparse.Namespace, project_dir: Path, stack: str, bases: dict[str, BasePlan]) -> int:
    from obsctl.diff import StackMismatchError, diff_plans, render_diff_text
    from obsctl.policy import render_policy_report, run_policies
    from obsctl.redact import redact_text
    from obsctl.render import render_summary, render_text
    from obsctl.runner import PlanFailed, plan_stack

    if args.format == "markdown":
        return _markdown(args, project_dir, [stack], bases)
    try:
        plan = plan_stack(project_dir, stack, definitions_dir=args.definitions)
    except PlanFailed as error:
        raise PlanFailedError(str(error)) from None
    report = run_policies(plan) if args.policies else None
    amtool = _check_alertmanager(plan)
    to_stdout = args.json == "-"
    known = plan.secret_values()
    if not to_stdout:
        if stack in bases:
            base = bases[stack]
            try:
                diff = diff_plans(base.document, plan.to_json())
            except StackMismatchError as error:
                raise DefinitionError.single(str(args.diff), "", str(error)) from None
            if base.problem:
                print(redact_text(f"note: {base.problem}", known))
            sys.stdout.write(redact_text(render_diff_text(diff), known))
        elif args.quiet:
            print("\n".join(render_summary(plan)))
        else:
            sys.stdout.write(render_text(plan))
        if report is not None:
            policy_text = redact_text(render_policy_report(report), known)
            sys.stdout.write("\n" + policy_text.rstrip("\n") + "\n")
        if amtool is not None:
            print(amtool.summary)
    # Warnings refer to the list above: print them after it, never interleaved.
    sys.stdout.flush()
    for warning in plan.warnings:
        print(redact_text(f"warning: {warning}", known), file=sys.stderr)
    if plan.missing_secrets:
        print(
            "warning: the plan uses masked placeholders for these; a real `pulumi up` stops here.\n"
            + missing_secret_message(f"Pulumi.{plan.stack}.yaml", plan.stack, plan.missing_secrets),
            file=sys.stderr,
        )
    if args.json:
        write_output(args.json, plan.dumps())
    if amtool is not None and amtool.refusal:
        _print_errors([f"error: {line}" for line in amtool.refusal])
        return 1
    if amtool is not None and amtool.unchecked:
        print(f"warning: {amtool.summary.removeprefix('Alertmanager config: ')}", file=sys.stderr)
    if report is not None and report.mandatory_violations:
        return 1
    if "missing-secrets" in args.fail_on and plan.missing_secrets:
        print(
            f"error: --fail-on missing-secrets: {len(plan.missing_secrets)} secret(s) not set",
            file=sys.stderr,
        )
        return 1
    return 0


def _check_alertmanager(plan: Plan) -> AmtoolVerdict | None:
    """amtool on the stack's rendered Alertmanager configuration; a missing amtool fails under CI."""
    from infra.catalog.upstream_tools import MissingToolError, tools_required
    from obsctl.alertmanager_check import check_stack_alertmanager

    if plan.settings is None or plan.definitions_root is None:
        return None
    verdict = check_stack_alertmanager(plan.settings, plan.definitions_root)
    if verdict is not None and verdict.unchecked and tools_required():
        raise MissingToolError("amtool")
    return verdict


def _markdown(
    args: argparse.Namespace, project_dir: Path, stacks: list[str], bases: dict[str, BasePlan]
) -> int:
    from obsctl.pr_comment import pull_request_comment

    documents = {stack: base.document for stack, base in bases.items()}
    notes = [base.problem for base in bases.values() if base.problem]
    comment, failed = pull_request_comment(
        project_dir,
        stacks,
        documents,
        definitions_dir=args.definitions,
        fail_on_missing_secrets="missing-secrets" in args.fail_on,
        policies=args.policies,
        notes=notes,
    )
    sys.stdout.write(comment)
    return 1 if failed else 0


def _print_secrets(project_dir: Path, stacks: list[str]) -> int:
    """Every secret each stack needs: what it is for, whether the stack file sets it, the command."""
    from infra.config import load_settings
    from obsctl.stackfile import read_stack_file

    for stack in stacks:
        stack_file = read_stack_file(project_dir, stack)
        settings = load_settings(stack_file.raw)
        specs = settings.required_secrets()
        print(f"{stack_file.path.name}: {len(specs)} secret(s)")
        for spec in specs:
            key = f"{NAMESPACE}{spec.key}"
            state = "set" if spec.key in settings.secrets else "NOT SET"
            print(f"  {key:48} {state:8} {spec.purpose}")
            if spec.key not in settings.secrets:
                print(f"      pulumi config set --secret {key} <value> --stack {stack}")
    return 0


def _print_errors(lines: list[str]) -> None:
    from obsctl.redact import redact_text

    sys.stdout.flush()
    for line in lines:
        shown = line if line.startswith(("error: ", " ")) else f"error: {line}"
        # A message may quote the value it rejects: a credential in it is masked.
        print(redact_text(shown), file=sys.stderr)
    sys.stderr.flush()
