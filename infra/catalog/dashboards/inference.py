"""Which datasource type a reference without one meant, read from the queries around it.

A missing datasource (``null``, ``""``, ``"default"``) means "the default datasource of the Grafana
that saved the dashboard", which was not necessarily a Prometheus: heapster's dashboards were saved
against an InfluxDB default, so their query variables carry InfluxQL and no datasource. Binding them
to this environment's default would send InfluxQL to Prometheus. The query text and target shape
tell the type instead; when they do not, the environment's default is the best guess left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .model import JsonObject
from .panels import iter_panels, iter_targets, template_variables

_INFLUXQL = re.compile(
    r"^\s*SHOW\s+(TAG\s+VALUES|TAG\s+KEYS|FIELD\s+KEYS|MEASUREMENTS|SERIES|DATABASES|RETENTION\s+POLICIES)\b",
    re.IGNORECASE,
)
_ELASTICSEARCH_FIND = re.compile(r'^\s*\{\s*"find"\s*:')
_PROMQL_VARIABLE = re.compile(r"^\s*(label_values|label_names|query_result|metrics)\s*\(")
EXPR_LANGUAGE = "prometheus-or-loki"
"""Evidence of a PromQL/LogQL query (``expr``, ``label_values(...)``): not a type to bind to, since the
environment's default serves both, but proof the saving Grafana's default was not an InfluxDB."""
_TARGET_SHAPES: tuple[tuple[str, frozenset[str]], ...] = (
    ("influxdb", frozenset({"measurement", "policy", "rawQuery"})),
    ("elasticsearch", frozenset({"bucketAggs"})),
    ("cloudwatch", frozenset({"metricName", "namespace"})),
)
"""Target keys only one query editor writes: a target holding all keys of a set was written by it."""


def is_default_reference(ref: Any) -> bool:
    """``null``, ``""``, ``"default"`` or a ``{type, uid}`` without a uid: the instance's default."""
    if ref is None or ref in ("", "default"):
        return True
    return isinstance(ref, dict) and not ref.get("uid") and ref.get("type") in (None, "", "datasource")


def query_text(query: Any) -> str | None:
    if isinstance(query, dict):
        query = query.get("query")
    return query if isinstance(query, str) else None


def variable_query_type(variable: JsonObject) -> tuple[str, str] | None:
    """``(type, why)`` when a query variable's text is written in one datasource's language."""
    text = query_text(variable.get("query"))
    if text is None:
        return None
    shown = text.strip().splitlines()[0][:60] if text.strip() else ""
    if _INFLUXQL.match(text):
        return "influxdb", f"its query is InfluxQL: {shown}"
    if _ELASTICSEARCH_FIND.match(text):
        return "elasticsearch", "its query is an Elasticsearch terms query"
    if _PROMQL_VARIABLE.match(text):
        return EXPR_LANGUAGE, "its query is a Prometheus-style variable query"
    return None


def target_type(target: JsonObject) -> tuple[str, str] | None:
    """``(type, why)`` from what a query editor wrote into a target: Grafana 4's ``dsType``, or keys
    only one editor writes."""
    ds_type = target.get("dsType")
    if isinstance(ds_type, str) and ds_type:
        return ds_type, f"its targets say dsType {ds_type!r}"
    for plugin, keys in _TARGET_SHAPES:
        if keys <= target.keys() or (plugin == "influxdb" and "measurement" in target):
            return plugin, f"its targets are {plugin} queries ({', '.join(sorted(keys & target.keys()))})"
    if isinstance(target.get("expr"), str):
        return EXPR_LANGUAGE, "its targets are PromQL or LogQL queries"
    return None


def panel_type(panel: JsonObject) -> tuple[str, str] | None:
    for _, target in iter_targets(panel):
        found = target_type(target)
        if found is not None:
            return found
    return None


def _default_evidence(dashboard: JsonObject) -> Iterator[tuple[str, str]]:
    for ref in iter_panels(dashboard):
        if is_default_reference(ref.panel.get("datasource")):
            found = panel_type(ref.panel)
            if found is not None:
                yield found[0], f"{ref.label}: {found[1]}"
    for variable in template_variables(dashboard):
        if variable.get("type") == "query" and is_default_reference(variable.get("datasource")):
            found = variable_query_type(variable)
            if found is not None:
                yield found[0], f'variable "{variable.get("name", "")}": {found[1]}'


def implied_default_type(dashboard: JsonObject) -> tuple[str, str] | None:
    """``(type, why)`` of the default datasource of the Grafana that saved ``dashboard``, when the
    queries that used it all agree; ``None`` without evidence or when they disagree."""
    evidence = list(_default_evidence(dashboard))
    types = {plugin for plugin, _ in evidence}
    if len(types) != 1 or EXPR_LANGUAGE in types:
        return None
    return evidence[0]


def bindable(meant: tuple[str, str] | None) -> tuple[str, str] | None:
    return None if meant is None or meant[0] == EXPR_LANGUAGE else meant


def meant_by_panel(panel: JsonObject, implied: tuple[str, str] | None) -> tuple[str, str] | None:
    """The type a panel without a datasource queried: its targets' own, else the dashboard's."""
    found = panel_type(panel)
    return bindable(found) if found is not None else implied


def meant_by_variable(variable: JsonObject, implied: tuple[str, str] | None) -> tuple[str, str] | None:
    """The type a query variable without a datasource queried: its query's, else the dashboard's."""
    found = variable_query_type(variable)
    return bindable(found) if found is not None else implied
