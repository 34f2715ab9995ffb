"""Library panels an export carries in ``__elements``, written into the dashboard at import.

Grafana's "Export for sharing externally" puts each library panel's model under
``__elements[<uid>]`` (``kind: 1``) and leaves a ``{"libraryPanel": {"uid", "name"}}`` stub in the
layout; Grafana's own import creates the library panel from that model. This repository deploys
dashboards through the API, which creates no library panels, so a stub would show "library panel not
found" in every Grafana that lacks it: the import inlines the model in its place instead (the stub's
``gridPos`` and ``id`` kept, as Grafana keeps them when it loads a library panel).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import JsonObject

LIBRARY_PANEL_KIND = 1
"""``__elements`` kind of a library panel (library variables, kind 2, do not exist yet)."""
_LAYOUT_KEYS = ("gridPos", "id")


def _models(dashboard: Mapping[str, Any]) -> dict[str, JsonObject]:
    elements = dashboard.get("__elements")
    models: dict[str, JsonObject] = {}
    for key, element in elements.items() if isinstance(elements, dict) else ():
        if (
            isinstance(element, dict)
            and element.get("kind") == LIBRARY_PANEL_KIND
            and isinstance(element.get("model"), dict)
        ):
            models[str(element.get("uid") or key)] = element["model"]
    return models


def inline_library_panels(dashboard: JsonObject) -> tuple[JsonObject, list[str]]:
    """``dashboard`` with every library panel stub whose model ``__elements`` holds replaced by that
    model, and one note per inlined panel; the dashboard itself when there is nothing to inline."""
    models = _models(dashboard)
    if not models:
        return dashboard, []
    notes: list[str] = []

    def inline(panels: Any, path: str) -> Any:
        if not isinstance(panels, list):
            return panels
        result = []
        for index, panel in enumerate(panels):
            where = f"{path}[{index}]"
            stub = panel.get("libraryPanel") if isinstance(panel, dict) else None
            if isinstance(stub, dict) and str(stub.get("uid")) in models:
                model = {k: v for k, v in models[str(stub["uid"])].items() if k != "libraryPanel"}
                panel = {**model, **{k: panel[k] for k in _LAYOUT_KEYS if k in panel}}
                notes.append(
                    f"{where}: library panel {stub.get('name') or stub.get('uid')!r} inlined from "
                    "__elements (the API creates no library panels; this dashboard now owns the panel)"
                )
            if isinstance(panel, dict) and isinstance(panel.get("panels"), list):
                panel = {**panel, "panels": inline(panel["panels"], f"{where}.panels")}
            result.append(panel)
        return result

    inlined = {**dashboard, "panels": inline(dashboard.get("panels"), "panels")}
    return (inlined, notes) if notes else (dashboard, [])
