"""Checks a dashboard must pass before it is deployed, with messages naming file and panel.

Errors: PromQL that does not parse once variables are substituted; a template variable used but
not defined. (A datasource that resolves to nothing is reported by the resolver.)
Warnings: overlapping or off-grid panels, deprecated panel types, the Grafana 4 rows layout,
library panels (not managed by this repository).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .datasources import reference_type
from .model import JsonObject, LintReport
from .panels import (
    PanelRef,
    dashboard_annotations,
    iter_panels,
    iter_targets,
    panel_title,
    template_variables,
)
from .promql import promql_error, variable_query_expression
from .variables import escaped_names, is_builtin, referenced_names, variables_by_name

DEPRECATED_PANEL_TYPES: Mapping[str, str] = {
    "graph": "timeseries",
    "singlestat": "stat",
    "table-old": "table",
    "grafana-singlestat-panel": "stat",
    "grafana-piechart-panel": "piechart",
    "grafana-worldmap-panel": "geomap",
}
"""AngularJS panels Grafana 11 stopped loading by default and 12 removed -> their replacement."""
GRID_COLUMNS = 24
_UNINTERPOLATED_TARGET_KEYS = frozenset({"refId", "alias", "datasource", "hide"})
"""``alias`` holds InfluxDB alias patterns (``$tag_host``, ``$col``), not variables."""


def _strings(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)


def _link_urls(links: Any) -> Iterator[str]:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and isinstance(link.get("url"), str):
            yield link["url"]


def _variable_texts(dashboard: JsonObject) -> Iterator[tuple[str, str, bool]]:
    """``(location, text, is_query)`` for every text Grafana interpolates before running or showing it.

    An undefined variable in a query breaks the query; in a title, link or annotation tag filter
    Grafana shows or matches the literal text, which is worth a warning only.
    """
    for url in _link_urls(dashboard.get("links")):
        yield "links", url, False
    for annotation in dashboard_annotations(dashboard):
        location = f'annotation "{annotation.get("name", "")}"'
        for key in ("expr", "query", "tags", "target", "titleFormat", "textFormat", "tagKeys"):
            for text in _strings(annotation.get(key)):
                yield location, text, key in ("expr", "query")
    for variable in template_variables(dashboard):
        location = f'variable "{variable.get("name", "")}"'
        for key in ("query", "definition"):
            for text in _strings(variable.get(key)):
                yield location, text, True
    for ref in iter_panels(dashboard):
        panel = ref.panel
        title = panel_title(panel)
        if title:
            yield ref.label, title, False
        repeat = panel.get("repeat")
        if isinstance(repeat, str) and repeat:
            yield ref.label, f"${repeat}", True
        for url in _link_urls(panel.get("links")):
            yield ref.label, url, False
        for ref_id, target in iter_targets(panel):
            for text in _strings(target, _UNINTERPOLATED_TARGET_KEYS):
                yield f"{ref.label} target {ref_id}", text, True


def _check_variables(dashboard: JsonObject, source: str, report: LintReport) -> None:
    defined = variables_by_name(dashboard)
    seen: set[tuple[str, str]] = set()
    for location, text, is_query in _variable_texts(dashboard):
        literal = escaped_names(text)
        for name in referenced_names(text):
            if name in defined or is_builtin(name) or name in literal or (location, name) in seen:
                continue
            seen.add((location, name))
            known = ", ".join(f"${n}" for n in defined) or "none"
            message = f"uses ${name}, which is not a template variable (defined: {known})"
            if is_query:
                report.error(source, location, message)
            else:
                report.warn(source, location, message + "; Grafana shows it as literal text")


def _check_promql(dashboard: JsonObject, source: str, report: LintReport) -> None:
    variables = variables_by_name(dashboard)

    def check(location: str, expr: Any) -> None:
        if isinstance(expr, str):
            problem = promql_error(expr, variables)
            if problem is not None:
                report.error(source, location, f"PromQL does not parse: {problem}")

    for ref in iter_panels(dashboard):
        panel_ref = ref.panel.get("datasource")
        for ref_id, target in iter_targets(ref.panel):
            datasource = target.get("datasource") or panel_ref
            if reference_type(datasource, variables) == "prometheus":
                check(f"{ref.label} target {ref_id}", target.get("expr"))
    for variable in template_variables(dashboard):
        if (
            variable.get("type") == "query"
            and reference_type(variable.get("datasource"), variables) == "prometheus"
        ):
            expression = variable_query_expression(variable.get("query"))
            if expression is not None:
                check(f'variable "{variable.get("name", "")}"', expression)
    for annotation in dashboard_annotations(dashboard):
        if reference_type(annotation.get("datasource"), variables) == "prometheus":
            check(f'annotation "{annotation.get("name", "")}"', annotation.get("expr"))


def _grid_box(panel: JsonObject) -> tuple[int, int, int, int] | None:
    grid = panel.get("gridPos")
    if not isinstance(grid, dict):
        return None
    try:
        x, y, w, h = (int(grid.get(key) or 0) for key in ("x", "y", "w", "h"))
    except (TypeError, ValueError):
        return None
    return x, y, w, h


def _check_overlaps(group: list[PanelRef], source: str, report: LintReport) -> None:
    placed: list[tuple[PanelRef, tuple[int, int, int, int]]] = []
    for ref in group:
        box = _grid_box(ref.panel)
        if box is None:
            continue
        x, y, w, h = box
        if x < 0 or w <= 0 or h <= 0 or x + w > GRID_COLUMNS:
            report.warn(
                source, ref.label, f"gridPos x={x} w={w} h={h} does not fit the {GRID_COLUMNS}-column grid"
            )
        for other, (ox, oy, ow, oh) in placed:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                report.warn(
                    source,
                    ref.label,
                    f"overlaps {other.label}: gridPos x={x} y={y} w={w} h={h} and x={ox} y={oy} w={ow} h={oh}",
                )
        placed.append((ref, box))


def _check_layout(dashboard: JsonObject, source: str, report: LintReport) -> None:
    # The top-level grid is one layout; the children of each collapsed row are another, placed when
    # the row expands. Legacy ``rows`` panels have no gridPos and are skipped by _grid_box.
    layouts: dict[int, list[PanelRef]] = {}
    for ref in iter_panels(dashboard):
        layouts.setdefault(id(ref.row), []).append(ref)
    for group in layouts.values():
        _check_overlaps(group, source, report)


def _check_panel_types(dashboard: JsonObject, source: str, report: LintReport) -> None:
    for ref in iter_panels(dashboard):
        kind = ref.panel.get("type")
        if isinstance(kind, str) and kind in DEPRECATED_PANEL_TYPES:
            report.warn(
                source,
                ref.label,
                f"panel type {kind!r} is deprecated (AngularJS, removed in Grafana 12): "
                f"use {DEPRECATED_PANEL_TYPES[kind]!r}",
            )
        library_panel = ref.panel.get("libraryPanel")
        if isinstance(library_panel, dict):
            report.warn(
                source,
                ref.label,
                f"library panel {library_panel.get('name') or library_panel.get('uid')!r} is not managed by "
                "this repository and must already exist in every Grafana; inline it before committing",
            )


def _check_shapes(dashboard: JsonObject, source: str, report: LintReport) -> None:
    """A ``null`` or a number where a panel, query or variable belongs plans fine and then crashes
    the Grafana provider or the dashboard: refused here, with its path."""

    def objects(value: Any, path: str) -> list[JsonObject]:
        if value is None:
            return []
        if not isinstance(value, list):
            report.error(source, path, f"is {type(value).__name__}, not a list")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                shown = "null" if item is None else type(item).__name__
                report.error(source, f"{path}[{index}]", f"is {shown}, not an object: Grafana cannot load it")
        return [item for item in value if isinstance(item, dict)]

    def panels(items: list[JsonObject], path: str) -> None:
        for index, panel in enumerate(items):
            objects(panel.get("targets"), f"{path}[{index}].targets")
            objects(panel.get("links"), f"{path}[{index}].links")
            panels(objects(panel.get("panels"), f"{path}[{index}].panels"), f"{path}[{index}].panels")

    panels(objects(dashboard.get("panels"), "panels"), "panels")
    for index, row in enumerate(objects(dashboard.get("rows"), "rows")):
        panels(objects(row.get("panels"), f"rows[{index}].panels"), f"rows[{index}].panels")
    objects(dashboard.get("links"), "links")
    for section in ("templating", "annotations"):
        block = dashboard.get(section)
        if isinstance(block, dict):
            objects(block.get("list"), f"{section}.list")


def lint(dashboard: JsonObject, source: str) -> LintReport:
    """Errors and warnings for one dashboard (normalized, ideally with datasources resolved, so
    every query's datasource type is known)."""
    report = LintReport()
    _check_shapes(dashboard, source, report)
    _check_promql(dashboard, source, report)
    _check_variables(dashboard, source, report)
    _check_layout(dashboard, source, report)
    _check_panel_types(dashboard, source, report)
    rows = dashboard.get("rows")
    if isinstance(rows, list) and rows:
        report.warn(
            source,
            "rows",
            f"uses the Grafana 4 rows layout (schemaVersion {dashboard.get('schemaVersion')}), which Grafana "
            "migrates on every load: re-export it from a current Grafana",
        )
    return report
