"""The shape of a CloudWatch Logs filter pattern, checked offline.

CloudWatch Logs accepts three forms (Filter and Pattern Syntax): terms (``ERROR``, ``"exact
phrase"``, ``?a ?b``, ``-excluded``, ``%regex%``), one JSON pattern (``{ $.level = "ERROR" }``) and
one space-delimited pattern (``[ip, user, ..., status = 5*]``). AWS only parses a pattern when
``PutMetricFilter`` is called; a pattern that cannot parse then fails halfway through an apply.
This module refuses what can never parse (unbalanced quotes, braces or parentheses, a JSON pattern
without a ``$`` selector or comparison, an empty field) without claiming to be the full grammar.
"""

from __future__ import annotations

import re

_FIELD = re.compile(r"^(\.\.\.|[A-Za-z_][A-Za-z0-9_]*)(\s*(=|!=|<=|>=|<|>)\s*\S.*)?$")
_JSON_COMPARISON = re.compile(
    r"(=|!=|<=|>=|<|>|\bIS\s+(NOT\s+)?NULL\b|\bNOT\s+EXISTS\b|\bIS\s+(TRUE|FALSE)\b)"
)


def check_filter_pattern(pattern: str) -> str:
    """``pattern`` unchanged, or ``ValueError`` saying why CloudWatch Logs would refuse it."""
    text = pattern.strip()
    if not text:
        return pattern  # the empty pattern matches every event
    outside = _outside_quotes(text)
    if text.startswith("{"):
        _check_json(text, outside)
    elif text.startswith("["):
        _check_space_delimited(text, outside)
    else:
        terms = re.sub(r"%[^%]*%", "", outside)  # a %regex% may hold brackets
        for bracket in "{}[]":
            if bracket in terms:
                raise ValueError(
                    f"has {bracket!r} outside a JSON {{ ... }} or space-delimited [ ... ] pattern: "
                    "a pattern is terms, one JSON pattern or one space-delimited pattern"
                )
        if terms.count("%"):
            raise ValueError("has an unclosed %regex%: a regular expression is written between two %")
    return pattern


def _outside_quotes(text: str) -> str:
    """``text`` with each quoted string's content blanked; ``ValueError`` for an unclosed quote."""
    result: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
                result.append('"')
                continue
            result.append(" ")
        else:
            quoted = char == '"'
            result.append(char)
    if quoted:
        raise ValueError('has an unclosed double quote (")')
    return "".join(result)


def _check_parentheses(outside: str) -> None:
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ValueError("has a ')' without its '('")
    if depth:
        raise ValueError("has an unclosed '('")


def _check_json(text: str, outside: str) -> None:
    if not outside.rstrip().endswith("}") or outside.count("{") != 1 or outside.count("}") != 1:
        raise ValueError("is a JSON pattern: exactly one { ... }, with nothing after the closing }")
    body = outside.strip()[1:-1]
    _check_parentheses(body)
    if not body.strip():
        raise ValueError('is an empty JSON pattern: write a condition such as { $.level = "ERROR" }')
    if "$" not in body:
        raise ValueError('compares no JSON field: selectors start with $ (e.g. { $.level = "ERROR" })')
    if not _JSON_COMPARISON.search(body):
        raise ValueError("has no comparison (=, !=, <, >, <=, >=, IS NULL, NOT EXISTS)")


def _check_space_delimited(text: str, outside: str) -> None:
    if not outside.rstrip().endswith("]") or outside.count("[") != 1 or outside.count("]") != 1:
        raise ValueError(
            "is a space-delimited pattern: exactly one [ ... ], with nothing after the closing ]"
        )
    body = outside.strip()[1:-1]
    _check_parentheses(body)
    fields = body.split(",")
    for number, field in enumerate(fields, start=1):
        # && and || join conditions on one field; each side names the field again or is a value.
        condition = re.split(r"&&|\|\|", field)[0].strip()
        if not condition:
            raise ValueError(f"has an empty field (number {number}): fields are names separated by commas")
        if not _FIELD.match(condition.strip("() ")):
            raise ValueError(
                f"field {number} ({condition.strip()[:30]!r}) is not a name, '...' or 'name <operator> value'"
            )
