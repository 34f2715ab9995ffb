"""The pull-request comment: per stack, what the change adds, changes and removes, and the policy results.

GitHub rejects a comment over 65,536 characters. A large change (a thousand dashboards touched by
one refactoring) would exceed that, so the comment keeps what a reviewer needs most and says what
it left out: first the skeleton (counts per stack, policy summaries), then every policy violation,
then one line per resource, then property diffs, resource by resource, while they fit.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.errors import DefinitionError
from obsctl.diff import PlanDiff, PropertyChange, ResourceChange
from obsctl.policy import PolicyReport, Violation, summary
from obsctl.stackfile import stack_names

GITHUB_COMMENT_LIMIT = 65536
APPENDIX_LIMIT = 20000
"""At most this much of the comment goes to what follows the plan (the drill report)."""
MARKER = "<!-- obsctl-plan -->"
"""Lets a workflow find the comment it posted before and update it in place."""
MAX_VALUE_CHARS = 400
SECTIONS = (("added", "To add", "+"), ("changed", "To change", "~"), ("removed", "To remove", "-"))


def render_diff_markdown(
    diffs: list[PlanDiff], reports: list[PolicyReport] | None = None, limit: int = GITHUB_COMMENT_LIMIT
) -> str:
    """One comment for every stack of ``diffs``; ``reports`` are matched to them by stack name.

    The result is at most ``limit`` characters (counted as GitHub does, in UTF-16 code units).
    """
    reports_by_stack = {r.stack: r for r in reports or []}
    stacks = [_Stack(diff, reports_by_stack.get(diff.stack)) for diff in diffs]
    budget = limit
    while True:
        text = _Layout(stacks, budget).render()
        if _size(text) <= limit:
            return text
        budget -= _size(text) - limit + 256


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Stack:
    diff: PlanDiff
    report: PolicyReport | None

    def resources(self, kind: str) -> list[ResourceChange]:
        return list(getattr(self.diff, kind))


@dataclass
class _Layout:
    """Chooses what fits in ``budget``, most important first, then renders it in reading order."""

    stacks: list[_Stack]
    budget: int
    violations: set[tuple[int, int]] = field(default_factory=set)
    lines: set[tuple[int, str, int]] = field(default_factory=set)
    diffs: set[tuple[int, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # With nothing chosen, the skeleton carries every "not shown" note; each item chosen adds its
        # own size and can only remove notes, so skeleton + chosen items bounds the result.
        used = _size(self.render())
        for s, stack in enumerate(self.stacks):
            for v, violation in enumerate(stack.report.violations if stack.report else []):
                used = self._take(used, _size(_violation_row(violation)), self.violations, (s, v))
        for s, stack in enumerate(self.stacks):
            for kind, _, sign in SECTIONS:
                for r, change in enumerate(stack.resources(kind)):
                    used = self._take(used, _size(_resource_line(sign, change)), self.lines, (s, kind, r))
        for s, stack in enumerate(self.stacks):
            for r, change in enumerate(stack.diff.changed):
                if (s, "changed", r) in self.lines:
                    used = self._take(used, _size(_property_diff(change)), self.diffs, (s, r))

    def _take(self, used: int, size: int, into: set[Any], key: Any) -> int:
        if used + size > self.budget:
            return self.budget + 1  # keep the order strict: nothing after a miss is taken
        into.add(key)
        return used + size

    def render(self) -> str:
        out = [MARKER, "### Offline plan (`obsctl plan`)", ""]
        out += ["| stack | to add | to change | to remove | policies |", "| --- | ---: | ---: | ---: | --- |"]
        for stack in self.stacks:
            diff = stack.diff
            out.append(
                f"| {_cell(diff.stack)} | {len(diff.added)} | {len(diff.changed)} | {len(diff.removed)} "
                f"| {_cell(_policy_badge(stack.report))} |"
            )
        out.append("")
        omitted = {"property diffs": 0, "resource lines": 0, "policy violations": 0}
        for s, stack in enumerate(self.stacks):
            out += self._stack_section(s, stack, omitted)
        if any(omitted.values()):
            left_out = ", ".join(f"{count} {what}" for what, count in omitted.items() if count)
            out.append(
                f"> **Trimmed** to stay under GitHub's {GITHUB_COMMENT_LIMIT:,}-character comment limit: "
                f"{left_out} not shown. Run `obsctl plan <stack> --diff <base.json>` for all of it."
            )
            out.append("")
        return "\n".join(out)

    def _stack_section(self, s: int, stack: _Stack, omitted: dict[str, int]) -> list[str]:
        diff, report = stack.diff, stack.report
        counts = f"{len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to remove"
        is_open = " open" if report and report.mandatory_violations else ""
        out = [f"<details{is_open}><summary><b>{html.escape(diff.stack)}</b>: {counts}</summary>", ""]
        if diff.empty:
            out += ["No changes.", ""]
        for kind, title, sign in SECTIONS:
            changes = stack.resources(kind)
            if not changes:
                continue
            out += [f"**{title}** ({len(changes)})", ""]
            hidden = 0
            for r, change in enumerate(changes):
                if (s, kind, r) not in self.lines:
                    hidden += 1
                    continue
                out.append(_resource_line(sign, change).rstrip("\n"))
                if kind == "changed":
                    if (s, r) in self.diffs:
                        out.append(_property_diff(change).rstrip("\n"))
                    else:
                        omitted["property diffs"] += 1
            if hidden:
                omitted["resource lines"] += hidden
                if kind == "changed":
                    omitted["property diffs"] += hidden
                out.append(f"- … and {hidden} more not shown")
            out.append("")
        if report is not None:
            out += self._policy_section(s, report, omitted)
        out += ["</details>", ""]
        return out

    def _policy_section(self, s: int, report: PolicyReport, omitted: dict[str, int]) -> list[str]:
        out = [f"**Policies** {_policy_badge(report).split()[0]} {_cell(summary(report))}", ""]
        if report.violations:
            out += ["| level | policy | resource | violation |", "| --- | --- | --- | --- |"]
            hidden = 0
            for v, violation in enumerate(report.violations):
                if (s, v) in self.violations:
                    out.append(_violation_row(violation).rstrip("\n"))
                else:
                    hidden += 1
            out.append("")
            if hidden:
                omitted["policy violations"] += hidden
                out += [f"… and {hidden} more violations not shown.", ""]
        return out


def _policy_badge(report: PolicyReport | None) -> str:
    if report is None:
        return "not run"
    if report.mandatory_violations:
        return f"❌ {len(report.mandatory_violations)} mandatory"
    if report.violations:
        return f"⚠️ {len(report.violations)} advisory"
    return "✅ passed"


def _violation_row(violation: Violation) -> str:
    return (
        f"| {violation.level} | `{violation.policy}` | {_cell(violation.resource)} "
        f"| {_cell(violation.detail or violation.description)} |\n"
    )


def _resource_line(sign: str, change: ResourceChange) -> str:
    return f"- `{sign}` {_code(change.type)} {_code(change.name)}\n"


def _property_diff(change: ResourceChange) -> str:
    body: list[str] = []
    for prop in change.changes:
        body.append(f"@@ {prop.path} @@")
        body += _side("-", prop, prop.old)
        body += _side("+", prop, prop.new)
    text = "\n".join(body)
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return f"\n  {fence}diff\n" + "".join(f"  {line}\n" for line in body) + f"  {fence}\n"


def _side(sign: str, prop: PropertyChange, value: Any) -> list[str]:
    if value is None:
        return []
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return [f"{sign} {line}" for line in text.splitlines() or [""]]


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _code(text: str) -> str:
    fence = "`" * (_longest_backtick_run(text) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped, no HTML."""
    return html.escape(" ".join(text.split())).replace("|", "\\|")


def pull_request_comment(
    project_dir: Path, stacks: list[str], base_dir: Path, appendix: str = ""
) -> tuple[str, bool]:
    """The comment for every stack: the working tree's plan against ``<base_dir>/<stack>.json``
    (written by the base commit's ``obsctl plan <stack> --json``), with the pack's results, then
    ``appendix`` (the drill report), trimmed to :data:`APPENDIX_LIMIT`.

    Returns the comment and whether a mandatory policy violation or a failed plan should fail the check.
    A stack the base has no plan of (a new stack, or a base that does not plan) diffs against nothing.
    """
    from obsctl.diff import diff_plans
    from obsctl.policy import run_policies
    from obsctl.runner import PlanFailed, plan_stack

    diffs: list[PlanDiff] = []
    reports: list[PolicyReport] = []
    failures: list[str] = []
    for stack in stacks:
        try:
            plan = plan_stack(project_dir, stack)
        except (DefinitionError, PlanFailed) as error:
            failures.append(f"- **{html.escape(stack)}** does not plan:\n\n```text\n{error}\n```\n")
            continue
        base_file = base_dir / f"{stack}.json"
        try:
            base = json.loads(base_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            base = {"stack": stack, "resources": []}
        diffs.append(diff_plans(base, plan.to_json()))
        reports.append(run_policies(plan))
    failure_text = "".join(failures)
    if _size(appendix) > APPENDIX_LIMIT:
        appendix = appendix[: APPENDIX_LIMIT - 200] + "\n\n> **Trimmed**: the rest is in the job summary.\n"
    budget = GITHUB_COMMENT_LIMIT - _size(failure_text) - _size(appendix) - 4
    comment = render_diff_markdown(diffs, reports, limit=budget)
    comment = f"{comment}\n{failure_text}" if failures else comment
    comment = f"{comment}\n{appendix}" if appendix else comment
    return comment, bool(failures) or any(r.mandatory_violations for r in reports)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m obsctl.markdown",
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
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    stacks = args.stacks or stack_names(project_dir)
    appendix = args.append.read_text(encoding="utf-8") if args.append and args.append.is_file() else ""
    comment, failed = pull_request_comment(project_dir, stacks, args.base_dir, appendix)
    if args.output:
        args.output.write_text(comment, encoding="utf-8")
    else:
        sys.stdout.write(comment)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
