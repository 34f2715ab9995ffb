"""Finding and replacing an alert's threshold: the number its expression is finally compared with.

An alert such as ``sum(rate(errors[5m])) / sum(rate(requests[5m])) > 0.05`` has one threshold, the
right-hand literal of its top-level comparison. promql-parser proves that structure (so a number
inside the left-hand side, a ``bool`` comparison or a parenthesised literal are never mistaken for
it); the text edit then touches only the final literal, which keeps the author's formatting and
comments, and the result is parsed again to prove nothing else changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import promql_parser

COMPARISONS = frozenset({">", "<", ">=", "<=", "==", "!="})

_NUMBER = r"[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[Ii]nf|[Nn]a[Nn])"
_FINAL_LITERAL = re.compile(rf"^(?P<head>.*?)(?P<number>{_NUMBER})(?P<tail>[ \t]*(?:#.*)?)$")


@dataclass(frozen=True)
class Threshold:
    operator: str
    value: float


def parse(expr: str) -> promql_parser.Expr:
    """The parsed expression; raises ``ValueError`` with promql-parser's message if it is not PromQL."""
    return promql_parser.parse(expr)


def find_threshold(expr: str) -> Threshold | None:
    """The top-level ``<op> <number>`` of an expression, or None when it has none."""
    tree = parse(expr)
    if not isinstance(tree, promql_parser.BinaryExpr) or str(tree.op) not in COMPARISONS:
        return None
    if not isinstance(tree.rhs, promql_parser.NumberLiteral):
        return None
    if tree.modifier is not None and tree.modifier.return_bool:
        return None
    return Threshold(str(tree.op), float(tree.rhs.val))


def format_number(value: float) -> str:
    """The shortest PromQL literal for a value: ``2`` rather than ``2.0``, ``0.05`` as written."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def replace_threshold(expr: str, value: float) -> str:
    """``expr`` with its threshold literal replaced by ``value``.

    Raises ``ValueError`` when the expression has no threshold or the edit would change anything
    else; both mean the rule must be rewritten as ``<query> <op> <number>``.
    """
    before = parse(expr)
    if find_threshold(expr) is None:
        raise ValueError("has no top-level comparison with a number (`<query> > N`) to override")
    lines = expr.split("\n")
    code_lines = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    match = _FINAL_LITERAL.match(lines[code_lines[-1]]) if code_lines else None
    if match is None:
        raise ValueError("its threshold is not a plain number at the end of the expression")
    lines[code_lines[-1]] = match["head"] + format_number(value) + match["tail"]
    rewritten = "\n".join(lines)
    after = parse(rewritten)
    threshold = find_threshold(rewritten)
    assert isinstance(before, promql_parser.BinaryExpr) and isinstance(after, promql_parser.BinaryExpr)
    same_value = threshold is not None and (
        threshold.value == value or (math.isnan(value) and math.isnan(threshold.value))
    )
    if not same_value or str(after.lhs) != str(before.lhs) or str(after.op) != str(before.op):
        raise ValueError("its threshold could not be replaced without changing the rest of the expression")
    return rewritten


# --- Replacing one named number anywhere in an expression ---------------------------------------
#
# Upstream rules rarely end in `> N` (`... < 10 and predict_linear(...) < 0`), so a stack names the
# number it wants changed instead. The text is scanned token by token, skipping strings, comments,
# names and durations, so `5m`, `http_2xx` or a label value "10" are never taken for a number; the
# parser then proves that exactly that literal, and nothing else, changed.

_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)"""
    r"|(?P<comment>\#[^\n]*)"
    r"|(?P<duration>(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_]))"
    r"|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)"
    r"|(?P<number>(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?))"
    r"|(?P<other>.)",
    re.DOTALL,
)


def number_literals(expr: str) -> list[float]:
    """The values of the expression's number literals, in the parser's tree order."""
    from infra.catalog.prometheus.selectors import walk

    return [float(node.val) for node in walk(parse(expr)) if isinstance(node, promql_parser.NumberLiteral)]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def replace_number(expr: str, old: float, new: float) -> str:
    """``expr`` with its one number literal equal to ``old`` replaced by ``new``.

    Raises ``ValueError`` saying why when ``old`` is not a literal of the expression, or is more than
    one (then the whole expression must be overridden).
    """
    before = number_literals(expr)
    positions = [
        match.span("number")
        for match in _TOKEN.finditer(expr)
        if match.group("number") is not None and _same(_number_value(match.group("number")), old)
    ]
    in_tree = sum(1 for value in before if _same(value, old))
    shown = ", ".join(dict.fromkeys(format_number(v) for v in before)) or "none"
    if in_tree == 0 or not positions:
        raise ValueError(f"has no number {format_number(old)} to replace (its numbers: {shown})")
    if in_tree > 1 or len(positions) > 1:
        raise ValueError(
            f"has the number {format_number(old)} {max(in_tree, len(positions))} times, so which one to "
            "replace is ambiguous: override the whole expression (expr) instead"
        )
    start, end = positions[0]
    rewritten = expr[:start] + format_number(new) + expr[end:]
    after = number_literals(rewritten)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=False)) if not _same(a, b)]
    if len(after) != len(before) or len(changed) != 1 or not _same(after[changed[0]], new):
        raise ValueError(
            f"its number {format_number(old)} could not be replaced without changing anything else"
        )
    return rewritten


def _number_value(text: str) -> float:
    return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
