"""JSON loading that refuses what Python's ``json`` silently accepts, and what would crash later.

* A key defined twice in one object: Python keeps the last value, so one of two definitions would
  vanish without a word.
* ``NaN`` and ``Infinity``: Python reads them; Go's encoding/json (Grafana, Datadog's API, Pulumi)
  and browsers do not.
* Nesting deeper than :data:`MAX_NESTING_DEPTH` (the parser would stop with a RecursionError near
  1,000 levels; later steps recurse too).
* A lone UTF-16 surrogate written as an escape (``"\\ud800"``): it decodes to a string that cannot
  be encoded again, so every later step that writes or sends it would fail.

Every problem is a :class:`DefinitionError` naming the file and the key path or line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra.catalog.strict_yaml import MAX_NESTING_DEPTH
from infra.errors import DefinitionError

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)\b|([\[{])|([\]}])')


class JsonSyntaxError(DefinitionError):
    """The text is not JSON at all (as opposed to JSON this loader refuses)."""


def load_json(text: str, source: str, *, allow_constants: bool = False) -> Any:
    """The value of a JSON text; raises DefinitionError naming ``source`` and where it is wrong.

    ``allow_constants`` accepts ``NaN`` and ``Infinity``, for files Python's json wrote (plans).
    """
    duplicates: list[tuple[dict[str, Any], str]] = []

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):  # rare: only then is the key looked for
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    duplicates.append((result, key))
                    break
                seen.add(key)
        return result

    try:
        value = json.loads(
            text,
            object_pairs_hook=unique_keys,
            parse_constant=None if allow_constants else _reject_constant,
        )
    except json.JSONDecodeError as error:
        raise JsonSyntaxError.single(
            source, f"line {error.lineno}, column {error.colno}", f"invalid JSON: {error.msg}"
        ) from None
    except _ConstantError as error:
        raise DefinitionError.single(
            source,
            _constant_position(text),
            f"{error} is not valid JSON (Go's encoding/json and browsers reject it): use null or a number",
        ) from None
    except RecursionError:
        raise _too_deep(text, source) from None
    except ValueError as error:  # an integer of more than 4,300 digits
        reason = str(error).split(":")[0]
        raise DefinitionError.single(source, "", f"is not valid JSON: {reason}") from None
    # A document cannot nest deeper than it has brackets: most files skip the walk.
    deep_enough = text.count("[") + text.count("{") > MAX_NESTING_DEPTH
    if deep_enough and isinstance(value, dict | list) and _too_deep_value(value):
        raise _too_deep(text, source)
    if duplicates:
        container, key = duplicates[0]
        raise DefinitionError.single(
            source,
            _path_of(value, container) or "",
            f"key {_shown(key)!r} is defined twice in one object",
        )
    if _may_hold_surrogates(text):
        for path, string in _strings(value, ""):
            if _SURROGATE.search(string):
                raise DefinitionError.single(
                    source,
                    path,
                    f"{string[:40]!r} holds a lone UTF-16 surrogate (an escape like \\ud800 without "
                    "its pair): it is not valid Unicode",
                )
    return value


def _may_hold_surrogates(text: str) -> bool:
    """A surrogate escape (paired ones, an emoji, are fine: the walk tells them apart), or a raw
    surrogate in text that did not come from a file (decoding a file refuses those). Cheap checks
    first: this runs on every file."""
    if ("\\ud" in text or "\\uD" in text) and _SURROGATE_ESCAPE.search(text):
        return True
    return not text.isascii() and _SURROGATE.search(text) is not None


class _ConstantError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


def _constant_position(text: str) -> str:
    for match in _TOKEN.finditer(text):
        if match[1]:
            return _position(text, match.start())
    return ""


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _too_deep(text: str, source: str) -> DefinitionError:
    depth, where = 0, ""
    for match in _TOKEN.finditer(text):
        if match[2]:
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                where = _position(text, match.start())
                break
        elif match[3]:
            depth -= 1
    return DefinitionError.single(
        source, where, f"nests objects and arrays more than {MAX_NESTING_DEPTH} levels deep: refused"
    )


def _too_deep_value(value: Any, depth: int = 1) -> bool:
    """Whether ``value`` nests objects and arrays past the limit; recursion stops there, so it is bounded.

    Exact type checks: json builds dicts and lists only, and this runs over every value of a dashboard.
    """
    if depth > MAX_NESTING_DEPTH:
        return True
    for child in value.values() if type(value) is dict else value:
        kind = type(child)
        if (kind is dict or kind is list) and _too_deep_value(child, depth + 1):
            return True
    return False


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key and string value with its key path (``panels[2].title``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{_shown(key)}" if path else _shown(key)
            yield child_path, key
            yield from _strings(child, child_path)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, f"{path}[{index}]")


def _path_of(value: Any, target: object, path: str = "") -> str | None:
    """The key path of the object ``target`` inside ``value`` (compared by identity)."""
    if value is target:
        return path
    children: Iterator[tuple[str, Any]] = iter(())
    if isinstance(value, dict):
        children = ((f"{path}.{_shown(key)}" if path else _shown(key), child) for key, child in value.items())
    elif isinstance(value, list):
        children = ((f"{path}[{index}]", child) for index, child in enumerate(value))
    for child_path, child in children:
        if isinstance(child, dict | list):
            found = _path_of(child, target, child_path)
            if found is not None:
                return found
    return None


def _shown(key: str) -> str:
    """A key as messages print it: a lone surrogate escaped (a terminal could not print it)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")
