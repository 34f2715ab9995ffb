"""Template variable references as Grafana's template service recognises them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .model import JsonObject
from .panels import template_variables

VARIABLE_REFERENCE = re.compile(
    r"\$(?P<plain>\w+)"
    r"|\$\{(?P<braced>\w+)(?:\.(?P<path>[^:}]+))?(?::(?P<format>[^}]+))?\}"
    r"|\[\[(?P<legacy>\w+)(?::(?P<legacy_format>\w+))?\]\]"
)
"""``$name``, ``${name}``, ``${name:format}``, ``${name.field}`` and the deprecated ``[[name]]``."""

LEGACY_BUILTINS = frozenset({"timeFilter", "interval"})
"""Macros older datasources still expand (InfluxQL's ``$timeFilter``, pre-5 ``$interval``)."""


def reference_name(match: re.Match[str]) -> str:
    return match.group("plain") or match.group("braced") or match.group("legacy") or ""


def reference_format(match: re.Match[str]) -> str | None:
    return match.group("format") or match.group("legacy_format")


def is_variable_name(name: str) -> bool:
    # ``$1`` is a regex back-reference in label_replace and the like, never a variable.
    return bool(name) and not name[0].isdigit()


def is_builtin(name: str) -> bool:
    """``$__interval``, ``${__from:date}``, ``${__data.fields.x}``: Grafana reserves the ``__`` prefix."""
    return name.startswith("__") or name in LEGACY_BUILTINS


def referenced_names(text: str) -> Iterator[str]:
    """Names of the variables ``text`` refers to, builtins included, in order of appearance."""
    if "$" not in text and "[[" not in text:
        return
    for match in VARIABLE_REFERENCE.finditer(text):
        name = reference_name(match)
        if is_variable_name(name):
            yield name


def escaped_names(text: str) -> set[str]:
    """Names only ever written after a backslash (``\\$SYS`` in a regex): the author's literal
    dollar, which Grafana leaves as it is when no variable has that name."""
    escaped: set[str] = set()
    plain: set[str] = set()
    for match in VARIABLE_REFERENCE.finditer(text):
        name = reference_name(match)
        after_backslash = match.group(0).startswith("$") and text[: match.start()].endswith("\\")
        (escaped if after_backslash else plain).add(name)
    return escaped - plain


def whole_reference(text: str) -> str | None:
    """The variable name when ``text`` is exactly one reference (``$ds``, ``${ds}``, ``[[ds]]``)."""
    match = VARIABLE_REFERENCE.fullmatch(text.strip())
    if match is None:
        return None
    name = reference_name(match)
    return name if is_variable_name(name) else None


def variables_by_name(dashboard: JsonObject) -> dict[str, JsonObject]:
    result: dict[str, JsonObject] = {}
    for variable in template_variables(dashboard):
        name = variable.get("name")
        if isinstance(name, str) and name:
            result.setdefault(name, variable)
    return result


def datasource_variable_type(variable: JsonObject) -> str | None:
    """The plugin id a ``datasource`` variable selects from (its ``query``), e.g. ``prometheus``."""
    if variable.get("type") != "datasource":
        return None
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    return query.strip() if isinstance(query, str) and query.strip() else None


def current_value(variable: JsonObject) -> str | None:
    """The single value a variable had when saved (the first of several; ``None`` when unknown)."""
    if variable.get("type") == "constant":
        query = variable.get("query")
        return query if isinstance(query, str) else None
    current = variable.get("current")
    value: Any = current.get("value") if isinstance(current, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    if value == "$__all":
        all_value = variable.get("allValue")
        return all_value if isinstance(all_value, str) and all_value else None
    if isinstance(value, str) and value:
        return value
    for option in variable.get("options") or []:
        if isinstance(option, dict) and isinstance(option.get("value"), str) and option["value"]:
            return str(option["value"])
    query = variable.get("query")
    if variable.get("type") in ("custom", "interval") and isinstance(query, str) and query:
        return query.split(",")[0].strip()
    return None
