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
