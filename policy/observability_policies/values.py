"""Reading resource inputs the way the engine sends them: with secrets marked and unknowns possible.

During ``pulumi preview`` a value computed by another resource (an ARN, a key id) is unknown. The
SDK's proxies raise on every access to one, even ``key in props``; these helpers take a plain
snapshot instead, so that a policy can tell "set, value not known yet" from "not set".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Secret
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    _DictProxy,
    _ListProxy,
)

UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)
URL = re.compile(r"https?://[^\s)\]>\"']+")


def snapshot(value: Any) -> Any:
    """Plain dicts and lists from the SDK's proxies; secret markers and unknown sentinels kept."""
    if isinstance(value, (_DictProxy, _ListProxy)):
        value = value["__target"]
    if isinstance(value, Secret):
        return Secret(snapshot(value.value))
    if isinstance(value, Mapping):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snapshot(item) for item in value]
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, Secret)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def reveal(value: Any) -> Any:
    """The value with secret markers removed, for checks that do not care about secretness."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def is_set(value: Any) -> bool:
    """Set to something: an unknown counts, since only its value is not known yet."""
    value = reveal(value)
    return value is not None and value != "" and value != [] and value != {}


def known(value: Any) -> bool:
    """Known now: neither unknown itself nor containing an unknown."""
    value = reveal(value)
    if is_unknown(value):
        return False
    if isinstance(value, dict):
        return all(known(item) for item in value.values())
    if isinstance(value, list):
        return all(known(item) for item in value)
    return True


def get_path(value: Any, *path: str) -> Any:
    for part in path:
        value = reveal(value)
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def json_document(value: Any) -> Any:
    """A JSON document held in a string input (policies, dashboards), or the value if already parsed."""
    value = reveal(value)
    if isinstance(value, str):
        if is_unknown(value) or value.lstrip()[:1] not in ("{", "["):
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    value = reveal(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, leaf) of a value; a secret marker is a leaf."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value
