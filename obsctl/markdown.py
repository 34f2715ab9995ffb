"""The pull-request comment: per stack, what the change adds, changes and removes, and the policy results.

GitHub rejects a comment over 65,536 characters. A large change (a thousand dashboards touched by
one refactoring) would exceed that, so the comment keeps what a reviewer needs most and says what
it left out: first the skeleton (counts per stack, policy summaries), then every policy violation,
then one line per resource, then property diffs, resource by resource, while they fit.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from obsctl.diff import PlanDiff, PropertyChange, ResourceChange
from obsctl.policy import PolicyReport, Violation, summary

GITHUB_COMMENT_LIMIT = 65536
APPENDIX_LIMIT = 20000
"""At most this much of the comment goes to what follows the plan (the drill report)."""
MARKER = "<!-- obsctl-plan -->"
"""Lets a workflow find the comment it posted before and update it in place."""
MAX_VALUE_CHARS = 400
SECTIONS = (("added", "To add", "+"), ("changed", "To change", "~"), ("removed", "To remove", "-"))
MAX_CALLOUT_LINES = 40
"""Data-loss and secret lines listed at the top of the comment; the rest are counted."""


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
        if size(text) <= limit:
            return text
        budget -= size(text) - limit + 256


def size(text: str) -> int:
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
    inputs: set[tuple[int, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # With nothing chosen, the skeleton carries every "not shown" note; each item chosen adds its
        # own size and can only remove notes, so skeleton + chosen items bounds the result.
        used = size(self.render())
        for s, stack in enumerate(self.stacks):
            for v, violation in enumerate(stack.report.violations if stack.report else []):
                used = self._take(used, size(_violation_row(violation)), self.violations, (s, v))
        for s, stack in enumerate(self.stacks):
            for kind, _, sign in SECTIONS:
                for r, change in enumerate(stack.resources(kind)):
                    used = self._take(used, size(_resource_line(sign, change)), self.lines, (s, kind, r))
        for s, stack in enumerate(self.stacks):
            for r, change in enumerate(stack.diff.changed):
                if (s, "changed", r) in self.lines:
                    used = self._take(used, size(_property_diff(change)), self.diffs, (s, r))
        for s, stack in enumerate(self.stacks):
            for r, change in enumerate(stack.diff.added):
                if (s, "added", r) in self.lines and change.inputs:
                    used = self._take(used, size(_added_inputs(change)), self.inputs, (s, r))

    def _take(self, used: int, size: int, into: set[Any], key: Any) -> int:
        if used + size > self.budget:
            return self.budget + 1  # keep the order strict: nothing after a miss is taken
        into.add(key)
        return used + size

    def render(self) -> str:
        out = [MARKER, "### Offline plan (`obsctl plan`)", ""]
        out += [
            "| stack | to add | to change | to replace | to remove | policies |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for stack in self.stacks:
            diff = stack.diff
            replaced = len(diff.replaced)
            out.append(
                f"| {_cell(diff.stack)} | {len(diff.added)} | {len(diff.changed) - replaced} | {replaced} "
                f"| {len(diff.removed)} | {_cell(_policy_badge(stack.report))} |"
            )
        out.append("")
        out += _callouts([stack.diff for stack in self.stacks])
        omitted = {
            "property diffs": 0,
            "inputs of added resources": 0,
            "resource lines": 0,
            "policy violations": 0,
        }
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
        counts = diff.counts()
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
                if kind == "added" and change.inputs:
                    if (s, r) in self.inputs:
                        out.append(_added_inputs(change).rstrip("\n"))
                    else:
                        omitted["inputs of added resources"] += 1
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
    if change.replaced:
        forcing = ", ".join(_code(path) for path in change.forcing)
        stateful = " **and deletes the data it holds**" if change.stateful else ""
        return (
            f"- `+-` {_code(change.type)} {_code(change.name)}: **replaced** (deleted, then created again), "
            f"forced by {forcing}{stateful}\n"
        )
    return f"- `{sign}` {_code(change.type)} {_code(change.name)}\n"


def _added_inputs(change: ResourceChange) -> str:
    """An added resource's key inputs, collapsed: a reviewer checks a new alarm's threshold here."""
    body: list[str] = []
    for key, value in change.inputs:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        if len(text) > MAX_VALUE_CHARS:
            text = text[: MAX_VALUE_CHARS - 1] + "…"
        lines = text.splitlines() or [""]
        body.append(f"+ {key}: {lines[0]}")
        body += [f"+   {line}" for line in lines[1:]]
    fence = "`" * max(3, _longest_backtick_run("\n".join(body)) + 1)
    return (
        "  <details><summary>inputs</summary>\n\n"
        + f"  {fence}diff\n"
        + "".join(f"  {line}\n" for line in body)
        + f"  {fence}\n  </details>\n"
    )


def _callouts(diffs: list[PlanDiff]) -> list[str]:
    """What a reviewer must not miss, above everything else: lost data and secrets to set."""
    loss = [
        f"{_code(diff.stack)}: {action}s {_code(change.type)} {_code(change.name)}"
        + (f" ({', '.join(_code(p) for p in change.forcing)} forces it)" if change.forcing else "")
        for diff in diffs
        for action, change in diff.data_loss
    ]
    out: list[str] = []
    if loss:
        out += [
            "> [!CAUTION]",
            "> **Data loss.** This change deletes resources that hold data (log events, objects, keys, volumes):",
            *_bounded(loss),
            "",
        ]
    secrets: list[str] = []
    others: list[str] = []
    for diff in diffs:
        added = {secret.key for secret in diff.secrets_added}
        for secret in diff.secrets_added:
            state = (
                "set in the stack file"
                if secret.configured
                else f"**not set**: `{diff.set_secret_command(secret)}`"
            )
            secrets.append(
                f"{_code(diff.stack)}: new secret {_code(secret.key)} ({_cell(secret.purpose)}), {state}"
            )
        unset = [secret.key for secret in diff.secrets_missing if secret.key not in added]
        if unset:
            # Not this change's doing, and listed in full by `obsctl plan --secrets`: one line.
            others.append(
                f"{_code(diff.stack)}: {len(unset)} required secret(s) not set in "
                f"`Pulumi.{diff.stack}.yaml` (`obsctl plan {diff.stack} --secrets` lists them with the commands)"
            )
        for secret in diff.secrets_removed:
            secrets.append(
                f"{_code(diff.stack)}: {_code(secret.key)} is no longer needed: "
                f"`pulumi config rm {secret.key} --stack {diff.stack}`"
            )
    if secrets:
        out += [
            "> [!IMPORTANT]",
            "> **Secrets.** This change needs new secrets or stops needing some. `pulumi up` stops while a "
            "required secret is not set: set it, then commit the stack file.",
            *_bounded(secrets + others),
            "",
        ]
    elif others:
        out += [f"Secrets: {'; '.join(others)}.", ""]
    return out


def _bounded(lines: list[str]) -> list[str]:
    shown = [f"> - {line}" for line in lines[:MAX_CALLOUT_LINES]]
    if len(lines) > MAX_CALLOUT_LINES:
        shown.append(
            f"> - … and {len(lines) - MAX_CALLOUT_LINES} more (`obsctl plan <stack> --base <ref>` lists all)"
        )
    return shown


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
