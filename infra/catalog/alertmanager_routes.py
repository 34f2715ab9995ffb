"""Which receivers Alertmanager notifies for an alert's labels, as ``amtool config routes test`` says.

Used where a running Alertmanager is not: the program proves each vendored alert reaches someone,
and the plan summary shows where every alert ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from infra.catalog.alertmanager import drop_routes, receiver_integrations

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$')


def receivers(route: Mapping[str, Any], labels: Mapping[str, str], inherited: str = "") -> list[str]:
    """The receivers Alertmanager notifies for an alert with ``labels`` (``amtool config routes test``)."""
    receiver = str(route.get("receiver") or inherited)
    found: list[str] = []
    for child in route.get("routes") or []:
        if isinstance(child, dict) and route_matches(child, labels):
            found += [r for r in receivers(child, labels, receiver) if r not in found]
            if not child.get("continue"):
                break
    return found or [receiver]


def route_matches(route: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    for name, value in (route.get("match") or {}).items():
        if labels.get(str(name), "") != str(value):
            return False
    for name, pattern in (route.get("match_re") or {}).items():
        if not re.fullmatch(str(pattern), labels.get(str(name), "")):
            return False
    return all(_matcher_holds(str(matcher), labels) for matcher in route.get("matchers") or [])


def _matcher_holds(matcher: str, labels: Mapping[str, str]) -> bool:
    parsed = _MATCHER.match(matcher.strip().strip("{}"))
    if parsed is None:
        return False
    name, operator, quoted, bare = parsed.groups()
    value = bytes(quoted, "utf-8").decode("unicode_escape") if quoted is not None else bare or ""
    actual = labels.get(name, "")
    if operator in ("=", "!="):
        return (actual == value) == (operator == "=")
    return bool(re.fullmatch(value, actual)) == (operator == "=~")


def notifies_someone(config: Mapping[str, Any]) -> Callable[[Mapping[str, str]], bool]:
    """Whether an alert with given labels reaches a receiver with an integration, or a deliberate
    drop route. The receivers are read once; the test runs per alert."""
    route = config.get("route")
    heard = {
        str(r.get("name"))
        for r in config.get("receivers") or []
        if isinstance(r, dict) and receiver_integrations(r)
    }
    heard |= {receiver for _, receiver, _ in drop_routes(config)}

    def reaches(labels: Mapping[str, str]) -> bool:
        return isinstance(route, dict) and bool(heard.intersection(receivers(route, labels)))

    return reaches
