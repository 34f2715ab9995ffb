"""The pull-request comment of every stack: the head's plans against the base's, then the drill report.

``python -m obsctl.pr_comment --base-dir DIR`` is what the pull-request workflow runs, with the base
revision's plans (made in its own checkout, by its own code) in ``DIR/<stack>.json``;
``obsctl plan --all --base REF --format markdown`` makes the same comment locally.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text
from infra.errors import DefinitionError
from obsctl.base_plan import read_plan_file
from obsctl.diff import PlanDiff
from obsctl.markdown import APPENDIX_LIMIT, GITHUB_COMMENT_LIMIT, render_diff_markdown, size
from obsctl.policy import PolicyReport
from obsctl.stackfile import stack_names
from obsctl.writes import write_output


def pull_request_comment(
    project_dir: Path,
    stacks: list[str],
    bases: dict[str, dict[str, Any]],
    appendix: str = "",
    *,
    definitions_dir: Path | None = None,
    fail_on_missing_secrets: bool = False,
    policies: bool = True,
    notes: list[str] | None = None,
) -> tuple[str, bool]:
    """The comment for every stack: the working tree's plan against ``bases[stack]`` (the base
    revision's ``obsctl plan <stack> --json``), with the pack's results, then ``appendix`` (the drill
    report), trimmed to :data:`APPENDIX_LIMIT`.

    Returns the comment and whether the check should fail: a stack that does not plan, an
    Alertmanager configuration amtool refuses, a mandatory policy violation, or (with
    ``fail_on_missing_secrets``) a required secret the stack file lacks.
    A stack the base has no plan of (a new stack, or a base that does not plan) diffs against nothing.
    """
    from infra.catalog.upstream_tools import tools_required
    from obsctl.alertmanager_check import check_stack_alertmanager
    from obsctl.diff import StackMismatchError, diff_plans
    from obsctl.policy import run_policies
    from obsctl.redact import redact_text
    from obsctl.runner import PlanFailed, plan_stack

    diffs: list[PlanDiff] = []
    reports: list[PolicyReport] = []
    failures: list[str] = []
    known_secrets: set[str] = set()
    for stack in stacks:
        try:
            plan = plan_stack(project_dir, stack, definitions_dir=definitions_dir)
            known_secrets |= plan.secret_values()
            base = bases.get(stack) or {"stack": stack, "resources": []}
            diffs.append(diff_plans(base, plan.to_json()))
            if policies:
                reports.append(run_policies(plan))
            if plan.settings is not None and plan.definitions_root is not None:
                amtool = check_stack_alertmanager(plan.settings, plan.definitions_root)
                refusal = amtool.refusal if amtool is not None else []
                if amtool is not None and amtool.unchecked and tools_required():
                    refusal = [amtool.summary]
                for line in refusal:
                    failures.append(f"- **{html.escape(stack)}**: {html.escape(line)}\n")
        except (DefinitionError, PlanFailed, StackMismatchError) as error:
            failures.append(f"- **{html.escape(stack)}** does not plan:\n\n```text\n{error}\n```\n")
    failure_text = "".join(failures)
    if notes:
        failure_text += "".join(f"> {html.escape(note)}\n" for note in notes)
    if size(appendix) > APPENDIX_LIMIT:
        appendix = appendix[: APPENDIX_LIMIT - 200] + "\n\n> **Trimmed**: the rest is in the job summary.\n"
    budget = GITHUB_COMMENT_LIMIT - size(failure_text) - size(appendix) - 4
    comment = render_diff_markdown(diffs, reports if policies else None, limit=budget)
    comment = f"{comment}\n{failure_text}" if failure_text else comment
    comment = f"{comment}\n{appendix}" if appendix else comment
    # Diffs are masked as they are made; this catches policy details, failures and notes.
    comment = redact_text(comment, known_secrets)
    missing = fail_on_missing_secrets and any(diff.secrets_missing for diff in diffs)
    return comment, bool(failures) or missing or any(r.mandatory_violations for r in reports)


def read_base_plans(base_dir: Path, stacks: list[str]) -> dict[str, dict[str, Any]]:
    """``<base_dir>/<stack>.json`` for every stack that has one and holds a plan."""
    bases = {}
    for stack in stacks:
        path = base_dir / f"{stack}.json"
        if not path.exists():
            continue
        try:
            bases[stack] = read_plan_file(path)
        except DefinitionError as error:  # diffed against nothing, with the reason in the job's log
            print(f"note: {error}", file=sys.stderr)
    return bases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m obsctl.pr_comment",
        description="Render the pull-request comment for several stacks: head's plans against base's.",
    )
    parser.add_argument("stacks", nargs="*", help="stacks to plan (default: every Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--base-dir", type=Path, required=True, help="holds <stack>.json from the base commit"
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd(), help="directory holding Pulumi.yaml")
    parser.add_argument("--output", type=Path, help="write the comment here instead of stdout")
    parser.add_argument(
        "--append", type=Path, metavar="FILE", help="markdown to end the comment with (the drill report)"
    )
    parser.add_argument(
        "--fail-on",
        action="append",
        choices=("missing-secrets",),
        default=[],
        help="also fail when a required secret is not set in a stack file (pull requests into main)",
    )
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    stacks = args.stacks or stack_names(project_dir)
    try:
        appendix = read_text(args.append, str(args.append)) if args.append and args.append.exists() else ""
    except DefinitionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    bases = read_base_plans(args.base_dir, stacks)
    comment, failed = pull_request_comment(
        project_dir, stacks, bases, appendix, fail_on_missing_secrets="missing-secrets" in args.fail_on
    )
    if args.output:
        write_output(args.output, comment)
    else:
        sys.stdout.write(comment)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
