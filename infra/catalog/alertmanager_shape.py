"""The shape of an Alertmanager config, checked as it is read, before any rule looks inside it.

The routing checks walk ``route``, ``routes`` and ``receivers``; a file where one of those is a
string or a number (``receivers: true``) must end in a message naming that key, as Alertmanager's
own loader would refuse it, not in a TypeError deep in a check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra.errors import Problem


def shape_problems(data: dict[Any, Any], source: str) -> list[Problem]:
    """One problem per key whose value has the wrong type for Alertmanager; empty when the shape fits."""
    return [Problem(source, where, message) for where, message in _wrong(data)]


def _wrong(data: dict[Any, Any]) -> Iterator[tuple[str, str]]:
    yield from _non_string_keys(data, "")
    receivers = data.get("receivers")
    if receivers is not None and not isinstance(receivers, list):
        yield "receivers", "must be a list of receivers"
    for index, receiver in enumerate(receivers if isinstance(receivers, list) else []):
        if not isinstance(receiver, dict):
            yield f"receivers[{index}]", "must be a mapping with a name and its *_configs"
        elif not isinstance(receiver.get("name", ""), str):
            yield f"receivers[{index}].name", "must be a string"
    route = data.get("route")
    if route is not None:
        yield from _route(route, "route")


def _route(route: Any, path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(route, dict):
        yield path, "must be a mapping (a route)"
        return
    if not isinstance(route.get("receiver", ""), str | None):
        yield f"{path}.receiver", "must be the name of a receiver"
    children = route.get("routes")
    if children is not None and not isinstance(children, list):
        yield f"{path}.routes", "must be a list of routes"
        return
    for index, child in enumerate(children or []):
        yield from _route(child, f"{path}.routes[{index}]")


def _non_string_keys(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield f"{path}.{key}" if path else str(key), "keys of an Alertmanager config are strings"
            else:
                yield from _non_string_keys(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _non_string_keys(value, f"{path}[{index}]")
