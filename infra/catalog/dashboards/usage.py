"""Every datasource type a dashboard uses, and where: what an import compares with the stacks.

A type is *queried* when a panel, target, template variable, annotation or ``__inputs`` entry needs
it (the plan fails while no stack declares it), *linked* when only links name it (the plan warns),
*listed* when only ``__requires`` mentions it (an exporter's leftover: nothing needs it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .datasource_types import canonical_plugin, plugin_hint
from .inference import is_default_reference
from .links import is_variable_link, link_datasources, link_plugin, without_links
from .model import JsonObject
from .panels import dashboard_annotations, iter_panels, iter_targets, template_variables
from .variables import datasource_variable_type, variables_by_name, whole_reference

UseKind = Literal["query", "link", "listed"]
_META_TYPES = frozenset({"datasource", "grafana", ""})
_PLACEHOLDER_NAMES = "${"


@dataclass(frozen=True)
class DatasourceUse:
    plugin: str
    """The plugin id as the dashboard saved it (``postgres`` or ``grafana-postgresql-datasource``)."""
    path: str
    """Key path of the reference: ``templating.list[2].datasource``."""
    kind: UseKind


def _ref_type(ref: Any, variables: dict[str, JsonObject]) -> str | None:
    if is_default_reference(ref) and not (isinstance(ref, dict) and ref.get("type")):
        return None  # the environment's default datasource: every stack declares one
    uid: Any = ref.get("uid") if isinstance(ref, dict) else ref
    declared: Any = ref.get("type") if isinstance(ref, dict) else None
    if isinstance(uid, str):
        name = whole_reference(uid)
        if name is not None and name in variables:
            return datasource_variable_type(variables[name]) or declared
    if isinstance(declared, str) and declared not in _META_TYPES:
        return declared
    return plugin_hint(uid) if isinstance(uid, str) and whole_reference(uid) is None else None


def _query_refs(dashboard: JsonObject) -> Iterator[tuple[str, Any]]:
    for index, annotation in enumerate(dashboard_annotations(dashboard)):
        if not annotation.get("builtIn"):
            yield f"annotations.list[{index}].datasource", annotation.get("datasource")
    for index, variable in enumerate(template_variables(dashboard)):
        if variable.get("type") == "datasource":
            yield f"templating.list[{index}].query", {"type": datasource_variable_type(variable)}
        elif "datasource" in variable:
            yield f"templating.list[{index}].datasource", variable.get("datasource")
    for ref in iter_panels(dashboard):
        if "datasource" in ref.panel:
            yield f"{ref.path}.datasource", ref.panel.get("datasource")
        for position, (_, target) in enumerate(iter_targets(ref.panel)):
            if "datasource" in target:
                yield f"{ref.path}.targets[{position}].datasource", target.get("datasource")


def _input_uses(exported: JsonObject) -> Iterator[DatasourceUse]:
    inputs = exported.get("__inputs")
    if not isinstance(inputs, list):
        return
    queried_text = json.dumps(without_links(exported))
    for index, entry in enumerate(inputs):
        if isinstance(entry, dict) and entry.get("type") == "datasource" and entry.get("pluginId"):
            placeholder = f"{_PLACEHOLDER_NAMES}{entry.get('name')}}}"
            kind: UseKind = "query" if placeholder in queried_text else "link"
            yield DatasourceUse(str(entry["pluginId"]), f"__inputs[{index}]", kind)


def datasource_usage(exported: JsonObject, portable: JsonObject) -> list[DatasourceUse]:
    """Every use of a datasource type: ``exported`` is the normalized export (``__inputs`` and
    ``__requires`` still in it), ``portable`` what the import writes (every type explicit)."""
    uses = list(_input_uses(exported))
    variables = variables_by_name(portable)
    for path, ref in _query_refs(portable):
        plugin = _ref_type(ref, variables)
        if plugin is not None and plugin not in _META_TYPES:
            uses.append(DatasourceUse(plugin, path, "query"))
    input_plugins = {
        str(i["name"]): str(i.get("pluginId") or "")
        for i in exported.get("__inputs") or []
        if isinstance(i, dict) and isinstance(i.get("name"), str)
    }
    for found in link_datasources(portable):
        if is_variable_link(found, variables):
            continue
        plugin = link_plugin(found, input_plugins)
        if plugin is not None:
            uses.append(DatasourceUse(plugin, found.path, "link"))
    used = {canonical_plugin(use.plugin) for use in uses}
    for index, entry in enumerate(exported.get("__requires") or []):
        if isinstance(entry, dict) and entry.get("type") == "datasource" and entry.get("id"):
            plugin = str(entry["id"])
            if canonical_plugin(plugin) not in used:
                uses.append(DatasourceUse(plugin, f"__requires[{index}]", "listed"))
    return uses


def needs_by_type(uses: list[DatasourceUse]) -> dict[str, tuple[UseKind, list[str]]]:
    """Plugin -> (the strongest kind of use, the paths of those uses): a type both queried and
    linked is queried."""
    strength = {"query": 0, "link": 1, "listed": 2}
    result: dict[str, tuple[UseKind, list[str]]] = {}
    for use in sorted(uses, key=lambda u: strength[u.kind]):
        plugin = canonical_plugin(use.plugin)
        kind, paths = result.setdefault(plugin, (use.kind, []))
        if use.kind == kind:
            paths.append(use.path)
    return result
