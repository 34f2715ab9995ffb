"""The canonical form of a dashboard: what is committed and what is sent to Grafana.

The Grafana provider (terraform-provider-grafana, which the Pulumi provider bridges) stores
``config_json`` through a normalizer that drops the dashboard's ``id`` and ``version``, the ``id`` of
each top-level panel and every ``libraryPanel`` key except ``name`` and ``uid``, then re-encodes with
sorted keys. A model that still carries any of those changes under that normalizer, and Grafana
rewrites ``id``/``version`` on every save, so plans never settle. :func:`normalize` removes them (and
the other fields Grafana's frontend writes at runtime) so its output is a fixed point of the
provider's normalizer and of itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .model import JsonObject

VOLATILE_DASHBOARD_KEYS = ("id", "version", "iteration", "__requires")
"""Assigned by Grafana on save (``id``, ``version``), by the frontend (``iteration``), or by the
exporter as plugin-version metadata Grafana never reads (``__requires``)."""
RUNTIME_PANEL_KEYS = ("id", "scopedVars", "repeatIteration")
"""Panel ids are dropped by the provider for top-level panels; they go everywhere so a panel keeps
the same model whether its row is collapsed or not. Grafana numbers id-less panels on load."""
LIBRARY_PANEL_KEYS = frozenset({"name", "uid"})
_ANGULAR_KEY = "$$hashKey"
"""Angular's change-tracking key, saved by Grafana 4-7 into every list element it rendered."""


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _without_angular_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_angular_keys(item) for key, item in value.items() if key != _ANGULAR_KEY}
    if isinstance(value, list):
        return [_without_angular_keys(item) for item in value]
    return value


def _clean(value: Mapping[str, Any]) -> JsonObject:
    """Deep copy without Angular's keys and with integral floats as ints.

    JSON has one number type and Grafana's Go backend decodes every number as float64, so ``1.0``
    and ``1`` are the same value; writing it as ``1`` keeps files stable when a tool re-encodes them.
    The copy goes through the C JSON codec: a Python walk is several times slower on big dashboards.
    """
    text = json.dumps(value)
    copied: JsonObject = json.loads(text, parse_float=_number)
    return _without_angular_keys(copied) if _ANGULAR_KEY in text else copied


def _is_repeat_clone(panel: Mapping[str, Any]) -> bool:
    # Grafana creates these copies at runtime for repeated panels and rows; old versions saved them.
    return bool(panel.get("repeatPanelId") or panel.get("repeatedByRow") or panel.get("repeatRowId"))


def _normalize_panel(panel: JsonObject) -> JsonObject:
    for key in RUNTIME_PANEL_KEYS:
        panel.pop(key, None)
    library_panel = panel.get("libraryPanel")
    if isinstance(library_panel, dict):
        panel["libraryPanel"] = {k: v for k, v in library_panel.items() if k in LIBRARY_PANEL_KEYS}
    children = panel.get("panels")
    if isinstance(children, list):
        panel["panels"] = _normalize_panels(children)
    return panel


def _normalize_panels(panels: list[Any]) -> list[Any]:
    return [
        _normalize_panel(panel) if isinstance(panel, dict) else panel
        for panel in panels
        if not (isinstance(panel, dict) and _is_repeat_clone(panel))
    ]


def _refreshes_options(variable: Mapping[str, Any]) -> bool:
    kind = variable.get("type")
    if kind == "datasource":
        return True
    # refresh 1/2 ("on dashboard load" / "on time range change"; ``true`` before Grafana 5) means
    # the saved options are a stale snapshot of the last query result.
    return kind == "query" and variable.get("refresh") in (1, 2, True)


def normalize(dashboard: Mapping[str, Any], *, uid: str | None = None) -> JsonObject:
    """The canonical model of ``dashboard``, a new object; idempotent.

    ``uid`` is set when the dashboard has none, so the uid Grafana uses is always explicit.
    Nothing environment-specific happens here: see :func:`resolve_datasources`.
    """
    result: JsonObject = _clean(dashboard)
    for key in VOLATILE_DASHBOARD_KEYS:
        result.pop(key, None)
    if not result.get("uid"):
        result.pop("uid", None)
        if uid:
            result["uid"] = uid
    if isinstance(result.get("panels"), list):
        result["panels"] = _normalize_panels(result["panels"])
    rows = result.get("rows")
    if isinstance(rows, list):
        result["rows"] = [
            {**row, "panels": _normalize_panels(row["panels"])}
            if isinstance(row.get("panels"), list)
            else row
            for row in rows
            if isinstance(row, dict) and not _is_repeat_clone(row)
        ]
        for row in result["rows"]:
            row.pop("repeatIteration", None)
            row.pop("id", None)
    templating = result.get("templating")
    if isinstance(templating, dict) and isinstance(templating.get("list"), list):
        for variable in templating["list"]:
            if isinstance(variable, dict) and _refreshes_options(variable):
                variable["options"] = []
    return result


def canonical_json(dashboard: Mapping[str, Any]) -> str:
    """Sorted keys, 2-space indent, UTF-8 text, one trailing newline: the committed file form."""
    return json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
