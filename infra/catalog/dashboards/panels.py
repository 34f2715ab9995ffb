"""Walking every panel of a dashboard, whatever its layout, with a name a user can find."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model import JsonObject


@dataclass(frozen=True)
class PanelRef:
    panel: JsonObject
    label: str
    """How messages name the panel: ``panel "Request rate"`` or ``row "Disk" > panel #3 (graph)``."""
    row: JsonObject | None = None
    """The collapsed row panel or legacy ``rows`` entry holding the panel; ``None`` on the top-level grid."""
    path: str = ""
    """Key path in the dashboard: ``panels[3]``, ``panels[2].panels[0]``, ``rows[1].panels[4]``."""


def panel_title(panel: JsonObject) -> str | None:
    title = panel.get("title")
    return title.strip() if isinstance(title, str) and title.strip() else None


def _label(panel: JsonObject, position: int) -> str:
    title = panel_title(panel)
    if title is not None:
        return f'{"row" if panel.get("type") == "row" else "panel"} "{title}"'
    return f"panel #{position} ({panel.get('type') or 'no type'})"


def _objects(value: Any) -> Iterator[JsonObject]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _indexed(value: Any) -> Iterator[tuple[int, JsonObject]]:
    if isinstance(value, list):
        yield from ((index, item) for index, item in enumerate(value) if isinstance(item, dict))


def iter_panels(dashboard: JsonObject) -> Iterator[PanelRef]:
    """Every panel in document order: top-level panels, children of collapsed rows, legacy rows.

    Row panels themselves are included; positions count every panel, so an untitled one can still be
    found by counting.
    """
    position = 0
    for index, panel in _indexed(dashboard.get("panels")):
        position += 1
        label = _label(panel, position)
        yield PanelRef(panel, label, path=f"panels[{index}]")
        for child_index, child in _indexed(panel.get("panels")):
            position += 1
            yield PanelRef(
                child,
                f"{label} > {_label(child, position)}",
                row=panel,
                path=f"panels[{index}].panels[{child_index}]",
            )
    for number, (row_index, row) in enumerate(_indexed(dashboard.get("rows")), start=1):
        title = panel_title(row)
        row_label = f'row "{title}"' if title else f"row #{number}"
        for panel_index, panel in _indexed(row.get("panels")):
            position += 1
            yield PanelRef(
                panel,
                f"{row_label} > {_label(panel, position)}",
                row=row,
                path=f"rows[{row_index}].panels[{panel_index}]",
            )


def iter_targets(panel: JsonObject) -> Iterator[tuple[str, JsonObject]]:
    """``(refId or #n, target)`` for each query of a panel."""
    for index, target in enumerate(_objects(panel.get("targets")), start=1):
        ref_id = target.get("refId")
        yield (str(ref_id) if isinstance(ref_id, str) and ref_id else f"#{index}"), target


def template_variables(dashboard: JsonObject) -> list[JsonObject]:
    templating = dashboard.get("templating")
    if not isinstance(templating, dict):
        return []
    return list(_objects(templating.get("list")))


def dashboard_annotations(dashboard: JsonObject) -> list[JsonObject]:
    section = dashboard.get("annotations")
    if not isinstance(section, dict):
        return []
    return list(_objects(section.get("list")))
