"""Validate Helm values against the shipped key index of the pinned chart.

Helm ignores a key its chart does not read, so ``retentionn: 30d`` deploys fine and keeps the
default retention. This check turns that silence into an error naming the key path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from infra.errors import DefinitionError, Problem
from infra.helm.chart_index import ChartIndex, Node, load_index

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SECRET_KEY = re.compile(
    r"(password|passwd|token|api_?key|secret_?key|secret_?access_?key|access_?key_?id|private_?key)$",
    re.IGNORECASE,
)


def validate_values(chart: str, values: Mapping[str, Any], source: str, *, location_prefix: str = "") -> None:
    """Raise one :class:`DefinitionError` listing every key of ``values`` the chart does not have.

    ``source`` names where the values come from (``Pulumi.prod.yaml``, or ``loki values`` for a
    builder's output); ``location_prefix`` is prepended to each key path, e.g. the config key the
    values sit under. Maps the chart leaves open accept any key; list items are checked only where
    the chart's default shows an example item. Values that are not plain data (a Pulumi ``Output``)
    are accepted as they are.
    """
    index = load_index(chart)
    problems: list[Problem] = []
    _check(index, index.keys, values, [location_prefix] if location_prefix else [], source, problems)
    if problems:
        raise DefinitionError(problems)


def unknown_keys(chart: str, values: Mapping[str, Any]) -> list[str]:
    """The key paths of ``values`` the chart does not have (for tests and diagnostics)."""
    index = load_index(chart)
    problems: list[Problem] = []
    _check(index, index.keys, values, [], "", problems)
    return [problem.location for problem in problems]


def inline_secret_paths(values: Mapping[str, Any]) -> list[str]:
    """Key paths whose name says "secret" (``password``, ``apiKey``, ``token``...) and that hold a value.

    Helm values end up in the release's state in plain text, so a secret belongs in a Kubernetes
    Secret the values merely name (``existingSecret``, ``passwordSecret: {name, key}``). Key names
    such as ``passwordKey`` name a key inside such a Secret and are not flagged, nor are flags
    such as ``automountServiceAccountToken: true``.
    """
    found: list[str] = []
    _find_secrets(values, [], found)
    return found


def _find_secrets(value: Any, path: list[str], found: list[str]) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            key_path = [*path, _segment(str(key))]
            if _SECRET_KEY.search(str(key)) and isinstance(child, str) and child:
                found.append(_render(key_path))
            else:
                _find_secrets(child, key_path, found)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for position, item in enumerate(value):
            _find_secrets(item, [*path, f"[{position}]"], found)


def _check(
    index: ChartIndex,
    node: Node,
    value: Any,
    path: list[str],
    source: str,
    problems: list[Problem],
) -> None:
    if isinstance(node, dict):
        if not isinstance(value, Mapping):
            return
        for key, child in value.items():
            key_path = [*path, _segment(str(key))]
            if str(key) not in node:
                problems.append(Problem(source, _render(key_path), _not_a_key(index, str(key), node)))
                continue
            _check(index, node[str(key)], child, key_path, source, problems)
    elif isinstance(node, list) and isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for position, item in enumerate(value):
            if isinstance(item, Mapping):
                _check(index, node[0], item, [*path, f"[{position}]"], source, problems)


def _not_a_key(index: ChartIndex, key: str, siblings: Mapping[str, Node]) -> str:
    what = "not a known key" if index.curated else "not a key"
    close = difflib.get_close_matches(key, sorted(siblings), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{what} of chart {index.chart} {index.version}{hint}"


def _segment(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else f'["{key}"]'


def _render(path: list[str]) -> str:
    rendered = ""
    for part in path:
        if part.startswith("[") or not rendered:
            rendered += part
        else:
            rendered += f".{part}"
    return rendered
