"""PromQL checks on dashboard queries, after substituting variables the way Grafana does.

Grafana sends Prometheus the query text with every variable replaced, so that is the text that must
parse. Values depend on where a variable sits: inside a string literal any value parses; inside a
range selector or after ``offset`` Grafana puts a duration (``$__rate_interval`` -> ``1m``); after
``@`` a Unix time; elsewhere the variable's value as it was saved (a number or a label name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

import promql_parser

from .model import JsonObject
from .variables import (
    VARIABLE_REFERENCE,
    current_value,
    is_builtin,
    is_variable_name,
    reference_format,
    reference_name,
)

_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_LABEL_OR_METRIC = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
_BEFORE_DURATION = re.compile(r"\boffset\s*-?\s*$", re.IGNORECASE)
_BEFORE_TIMESTAMP = re.compile(r"@\s*$")

_DURATION_BUILTINS = {
    "__interval": "1m",
    "__rate_interval": "4m",
    "__range": "1h",
    "__auto": "1m",
    "interval": "1m",
}
_NUMBER_BUILTINS = {
    "__interval_ms": "60000",
    "__rate_interval_ms": "240000",
    "__range_ms": "3600000",
    "__range_s": "3600",
    "__from": "1700000000000",
    "__to": "1700003600000",
}
_SECONDS_FORMATS = ("date:seconds",)
_STRING_STAND_IN = "x"
_DURATION_STAND_IN = "5m"
_TIMESTAMP_STAND_IN = "1700000000"

_LABEL_VALUES = re.compile(
    r"^\s*label_values\s*\((?P<selector>.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$", re.DOTALL
)
_QUERY_RESULT = re.compile(r"^\s*query_result\s*\((?P<expr>.*)\)\s*$", re.DOTALL)


def _builtin_value(name: str, fmt: str | None) -> str | None:
    if name in ("__from", "__to") and fmt in _SECONDS_FORMATS:
        return _NUMBER_BUILTINS[name][:-3]
    if name in _NUMBER_BUILTINS:
        return _NUMBER_BUILTINS[name]
    if name in _DURATION_BUILTINS or name.startswith("__auto_interval"):
        return _DURATION_BUILTINS.get(name, "1m")
    return None


def _value(name: str, fmt: str | None, context: str, variables: Mapping[str, JsonObject]) -> str:
    if context == "string":
        return _STRING_STAND_IN
    variable = variables.get(name)
    saved = current_value(variable) if variable is not None else None
    value = saved if saved is not None else _builtin_value(name, fmt)
    if context == "duration":
        return value if value is not None and _DURATION.match(value) else _DURATION_STAND_IN
    if context == "number":
        return value if value is not None and _NUMBER.match(value) else _TIMESTAMP_STAND_IN
    if value is None:
        return _STRING_STAND_IN
    if _NUMBER.match(value) or _LABEL_OR_METRIC.match(value) or _DURATION.match(value):
        return value
    if variable is not None and variable.get("type") == "constant":
        return value  # a constant is pasted verbatim, fragments of PromQL included
    return _STRING_STAND_IN


_TOKEN = re.compile(
    r"(?P<string>\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?|`[^`]*`?)"
    r"|(?P<comment>#[^\n]*)"
    rf"|(?P<variable>{VARIABLE_REFERENCE.pattern})"
    r"|(?P<open>\[)|(?P<close>\])"
)
"""String literals, ``#`` comments, variable references and range brackets: all :func:`interpolate`
needs to see. A comment runs to the end of its line (an apostrophe in it opens no string)."""


def _in_string(variables: Mapping[str, JsonObject]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        name = reference_name(match)
        if not is_variable_name(name) or (name not in variables and not is_builtin(name)):
            # Grafana leaves a name that is no variable as it is: "SYSTEM.*|\\$SYS.*" reaches
            # Prometheus with its escaped dollar, a valid regex.
            return match.group(0)
        return _STRING_STAND_IN

    return replace


def interpolate(expr: str, variables: Mapping[str, JsonObject]) -> str:
    """``expr`` with each variable replaced by a value that sits where Grafana's would."""
    if "$" not in expr and "[[" not in expr:
        return expr
    out: list[str] = []
    brackets = 0
    position = 0
    for token in _TOKEN.finditer(expr):
        out.append(expr[position : token.start()])
        position = token.end()
        kind = token.lastgroup
        text = token.group(0)
        if kind == "comment":
            out.append(text)
            continue
        if kind == "string":
            in_string = _in_string(variables)
            out.append(VARIABLE_REFERENCE.sub(in_string, text) if "$" in text or "[[" in text else text)
            continue
        if kind == "open":
            brackets += 1
        elif kind == "close":
            brackets = max(0, brackets - 1)
        if kind != "variable" or not is_variable_name(reference_name(token)):
            out.append(text)
            continue
        before = "".join(out[-4:])
        if brackets > 0 or _BEFORE_DURATION.search(before):
            # A number directly followed by a unit (``[${__range_s}s]``) is not a duration value.
            context = "number" if expr[token.end() : token.end() + 1].isalpha() else "duration"
        elif _BEFORE_TIMESTAMP.search(before):
            context = "number"
        else:
            context = "bare"
        out.append(_value(reference_name(token), reference_format(token), context, variables))
    out.append(expr[position:])
    return "".join(out)


@lru_cache(maxsize=8192)
def _parse_error(text: str) -> str | None:
    # Dashboards repeat the same expressions across panels and files; parsing each text once is enough.
    try:
        promql_parser.parse(text)
    except ValueError as error:
        return str(error).strip() or "invalid PromQL"
    return None


def promql_error(expr: str, variables: Mapping[str, JsonObject]) -> str | None:
    """Why ``expr`` does not parse once interpolated, or ``None`` when it does (or is empty)."""
    if not expr.strip():
        return None
    text = interpolate(expr, variables)
    detail = _parse_error(text)
    if detail is None or text == expr:
        return detail
    shown = " ".join(text.split())  # one line: a multi-line query must not split the message
    return f"{detail} (after substituting variables: {shown})"


def variable_query_expression(query: object) -> str | None:
    """The PromQL inside a Prometheus variable query: ``label_values(SELECTOR, label)`` or
    ``query_result(EXPR)``; ``None`` for forms without one (``label_names()``, ``metrics(re)``)."""
    if isinstance(query, dict):
        query = query.get("query")
    if not isinstance(query, str):
        return None
    match = _LABEL_VALUES.match(query)
    if match is not None:
        return match.group("selector")
    match = _QUERY_RESULT.match(query)
    return match.group("expr") if match is not None else None
