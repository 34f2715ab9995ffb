"""Making an exported dashboard environment-independent before it is committed.

An export names the datasources of the Grafana it came from: ``${DS_X}`` placeholders, uids of
that instance, names. A committed dashboard instead refers to a ``datasource`` template variable
(one per plugin type it queries), which each environment points at its own datasource at deploy
time (see :func:`resolve_datasources`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from .datasource_types import plugin_hint, suggested_uid
from .datasources import _PLACEHOLDER, BUILTIN_REFS, BUILTIN_UIDS, substitute_placeholders
from .inference import implied_default_type, is_default_reference, meant_by_panel, meant_by_variable
from .links import without_links
from .model import JsonObject
from .panels import dashboard_annotations, iter_panels, iter_targets, template_variables
from .variables import VARIABLE_REFERENCE, datasource_variable_type, reference_name, whole_reference

PRIMARY_VARIABLE = "datasource"


def _concrete_refs(dashboard: JsonObject) -> list[Any]:
    refs: list[Any] = [a.get("datasource") for a in dashboard_annotations(dashboard) if not a.get("builtIn")]
    refs += [v.get("datasource") for v in template_variables(dashboard) if v.get("type") == "query"]
    for ref in iter_panels(dashboard):
        refs.append(ref.panel.get("datasource"))
        refs += [target.get("datasource") for _, target in iter_targets(ref.panel)]
    return [r for r in refs if r is not None and _plugin_of(r) is not None]


def _plugin_of(ref: Any) -> str | None:
    """The plugin type of a reference naming one specific datasource; ``None`` for anything else."""
    if isinstance(ref, str):
        if ref in BUILTIN_REFS or ref == "default" or whole_reference(ref) is not None:
            return None
        return plugin_hint(ref)
    if isinstance(ref, dict):
        uid, plugin = ref.get("uid"), ref.get("type")
        if uid is None and isinstance(plugin, str) and plugin not in ("", "datasource", "grafana"):
            return plugin  # typed, no uid: "a datasource of this type", as old dashboards said
        if not isinstance(uid, str) or not uid or uid in BUILTIN_UIDS or whole_reference(uid) is not None:
            return None
        if isinstance(plugin, str) and plugin not in ("datasource", "grafana"):
            return plugin
        return plugin_hint(uid)
    return None


def _rename_variable(dashboard: JsonObject, old: str, new: str) -> JsonObject:
    def rename(match: re.Match[str]) -> str:
        return match.group(0).replace(old, new, 1) if reference_name(match) == old else match.group(0)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and old in value:
            return VARIABLE_REFERENCE.sub(rename, value)
        return value

    renamed: JsonObject = walk(dashboard)
    for variable in template_variables(renamed):
        if variable.get("name") == old:
            variable["name"] = new
    for ref in iter_panels(renamed):
        if ref.panel.get("repeat") == old:
            ref.panel["repeat"] = new
    return renamed


def _type_the_defaults(dashboard: JsonObject) -> None:
    """Write the type into each reference that names no datasource but whose queries say which type
    it meant (InfluxQL variables of an InfluxDB-default Grafana), so it is never taken for the
    environment's default (see :mod:`infra.catalog.dashboards.inference`)."""
    implied = implied_default_type(dashboard)
    for variable in template_variables(dashboard):
        if variable.get("type") == "query" and is_default_reference(variable.get("datasource")):
            meant = meant_by_variable(variable, implied)
            if meant is not None:
                variable["datasource"] = {"type": meant[0]}
    for annotation in dashboard_annotations(dashboard):
        builtin = annotation.get("builtIn")
        if implied is not None and not builtin and is_default_reference(annotation.get("datasource")):
            annotation["datasource"] = {"type": implied[0]}
    for ref in iter_panels(dashboard):
        panel = ref.panel
        if (
            panel.get("type") != "row"
            and panel.get("targets")
            and is_default_reference(panel.get("datasource"))
        ):
            meant = meant_by_panel(panel, implied)
            if meant is not None:
                panel["datasource"] = {"type": meant[0]}


def _datasource_variable(name: str, plugin: str) -> JsonObject:
    return {
        "current": {"text": "", "value": ""},
        "hide": 0,
        "includeAll": False,
        "label": "Data source" if name == PRIMARY_VARIABLE else f"{plugin} data source",
        "multi": False,
        "name": name,
        "options": [],
        "query": plugin,
        "refresh": 1,
        "regex": "",
        "type": "datasource",
    }


def make_portable(dashboard: JsonObject) -> JsonObject:
    """A normalized dashboard whose datasources are all reached through datasource variables.

    Datasource ``__inputs`` and concrete references become ``${<variable>}`` of the variable for
    their plugin type (created when missing; the main one is named ``datasource``); constant inputs
    are replaced by their value; datasource variables forget the value of the exporting instance.
    """
    dashboard = json.loads(json.dumps(dashboard))
    _type_the_defaults(dashboard)
    inputs = [
        i for i in dashboard.get("__inputs") or [] if isinstance(i, dict) and isinstance(i.get("name"), str)
    ]
    queried = set(_PLACEHOLDER.findall(json.dumps(without_links(dashboard))))
    # An input only links use (a trace link to Tempo) gets no variable: links name a datasource by
    # uid, and the plan binds that uid to the environment's datasource of the type, if it has one.
    link_only = {
        str(i["name"]): str(i.get("pluginId") or "")
        for i in inputs
        if i.get("type") == "datasource" and i["name"] not in queried
    }
    wanted = Counter(
        str(i.get("pluginId"))
        for i in inputs
        if i.get("type") == "datasource" and i.get("pluginId") and i["name"] not in link_only
    )
    concrete = Counter(p for p in map(_plugin_of, _concrete_refs(dashboard)) if p)
    wanted.update(concrete)
    variable_for: dict[str, str] = {}
    for variable in template_variables(dashboard):
        plugin = datasource_variable_type(variable)
        if plugin and plugin not in variable_for:
            variable_for[plugin] = str(variable["name"])
    primary = next(iter(wanted), None) or next(iter(variable_for), None)
    taken = {str(v.get("name")) for v in template_variables(dashboard)}
    result = dashboard
    if (
        primary in variable_for
        and variable_for[primary] != PRIMARY_VARIABLE
        and PRIMARY_VARIABLE not in taken
    ):
        result = _rename_variable(result, variable_for[primary], PRIMARY_VARIABLE)
        variable_for[primary] = PRIMARY_VARIABLE
    created: list[JsonObject] = []
    for plugin in wanted:
        if plugin not in variable_for:
            name = (
                PRIMARY_VARIABLE
                if PRIMARY_VARIABLE not in taken
                else re.sub(r"\W", "_", plugin) + "_datasource"
            )
            taken.add(name)
            variable_for[plugin] = name
            created.append(_datasource_variable(name, plugin))

    values: dict[str, str] = {name: suggested_uid(plugin) for name, plugin in link_only.items() if plugin}
    for entry in inputs:
        if entry["name"] in link_only:
            continue
        if entry.get("type") == "datasource" and entry.get("pluginId") in variable_for:
            values[entry["name"]] = "${" + variable_for[entry["pluginId"]] + "}"
        elif entry.get("type") == "constant":
            values[entry["name"]] = str(entry.get("value") if entry.get("value") is not None else "")
    result = substitute_placeholders(result, values)
    for key in ("__inputs", "__elements", "__requires"):
        result.pop(key, None)

    plugin_of_variable = {name: plugin for plugin, name in variable_for.items()}

    def portable(ref: Any) -> Any:
        variable = whole_reference(ref) if isinstance(ref, str) else None
        if isinstance(ref, dict) and isinstance(ref.get("uid"), str) and not ref.get("type"):
            variable = whole_reference(ref["uid"])
        if variable in plugin_of_variable:
            return {
                **(ref if isinstance(ref, dict) else {"uid": ref}),
                "type": plugin_of_variable[str(variable)],
            }
        plugin = _plugin_of(ref)
        if plugin is None or plugin not in variable_for:
            return ref
        return {"type": plugin, "uid": "${" + variable_for[plugin] + "}"}

    for annotation in dashboard_annotations(result):
        if "datasource" in annotation:
            annotation["datasource"] = portable(annotation["datasource"])
    for variable in template_variables(result):
        if variable.get("type") == "datasource":
            variable["current"], variable["options"] = {"text": "", "value": ""}, []
        elif "datasource" in variable:
            variable["datasource"] = portable(variable["datasource"])
    for ref in iter_panels(result):
        if "datasource" in ref.panel:
            ref.panel["datasource"] = portable(ref.panel["datasource"])
        for _, target in iter_targets(ref.panel):
            if "datasource" in target:
                target["datasource"] = portable(target["datasource"])
    if created:
        templating = result.setdefault("templating", {})
        if not isinstance(templating, dict):
            templating = result["templating"] = {}
        templating["list"] = created + [v for v in templating.get("list") or [] if isinstance(v, dict)]
    return result
