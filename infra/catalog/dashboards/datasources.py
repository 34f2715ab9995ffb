"""Datasource references in a dashboard, resolved against the datasources one environment declares.

A dashboard can point at a datasource in many ways, depending on the Grafana version that saved it:
a name (``"Prometheus"``), a ``{type, uid}`` object, a ``${DS_X}`` placeholder from an external
export, a datasource template variable (``$datasource``), a built-in (``-- Grafana --``,
``-- Mixed --``, ``-- Dashboard --``) or nothing at all (the instance default). Resolution turns
each one into a ``{type, uid}`` object naming a declared datasource, or a reference to a datasource
variable whose current value is set to this environment's datasource of that type. Anything else is
an error naming the file, the panel and the reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from infra.errors import DefinitionError, Problem

from .datasource_types import plugin_hint, same_plugin, suggested_uid
from .inference import implied_default_type, is_default_reference, meant_by_panel, meant_by_variable
from .links import is_variable_link, link_datasources, link_plugin, without_links
from .model import DeclaredDatasource, JsonObject
from .panels import dashboard_annotations, iter_panels, iter_targets, template_variables
from .variables import current_value, datasource_variable_type, variables_by_name, whole_reference

BUILTIN_REFS: Mapping[str, JsonObject] = {
    "-- Grafana --": {"type": "datasource", "uid": "grafana"},
    "-- Mixed --": {"type": "datasource", "uid": "-- Mixed --"},
    "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"},
}
"""Legacy names of Grafana's built-in datasources and the reference current Grafana saves for them."""
BUILTIN_UIDS = frozenset({"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"})
_META_TYPES = frozenset({"datasource", "grafana"})
_PLACEHOLDER = re.compile(r"\$\{([^}:]+)\}")


def reference_type(ref: Any, variables: Mapping[str, JsonObject]) -> str | None:
    """The plugin id a reference points at, through a datasource variable if need be."""
    uid: Any = ref.get("uid") if isinstance(ref, dict) else ref
    declared_type = ref.get("type") if isinstance(ref, dict) else None
    if isinstance(uid, str):
        if uid in BUILTIN_REFS or uid in BUILTIN_UIDS:
            return "datasource"
        name = whole_reference(uid)
        if name is not None and name in variables:
            return datasource_variable_type(variables[name]) or declared_type
    return declared_type if isinstance(declared_type, str) else None


class _Resolver:
    def __init__(
        self,
        dashboard: JsonObject,
        declared: Sequence[DeclaredDatasource],
        default_uid: str,
        source: str,
    ) -> None:
        self.source = source
        self.declared = list(declared)
        self.by_uid = {d.uid: d for d in declared}
        self.by_name = {d.name: d for d in declared}
        self.by_folded_name = {d.name.casefold(): d for d in declared}
        if default_uid not in self.by_uid:
            raise DefinitionError.single(
                source, "", f"the environment's default datasource uid {default_uid!r} is not declared"
            )
        self.default = self.by_uid[default_uid]
        self.variables = variables_by_name(dashboard)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.unresolved_inputs: set[str] = set()
        self.input_plugins: dict[str, str] = {}
        self.implied_default = implied_default_type(dashboard)

    def problem(self, location: str, message: str) -> None:
        self.problems.append(Problem(self.source, location, message))

    def preferred(self, plugin: str) -> DeclaredDatasource | None:
        if same_plugin(self.default.type, plugin):
            return self.default
        return next((d for d in self.declared if same_plugin(d.type, plugin)), None)

    def declared_summary(self) -> str:
        listed = ", ".join(f"{d.name} [{d.type}, uid {d.uid}]" for d in self.declared)
        return f"declared for this environment: {listed}"

    def find(self, uid_or_name: str) -> DeclaredDatasource | None:
        return (
            self.by_uid.get(uid_or_name)
            or self.by_name.get(uid_or_name)
            or self.by_folded_name.get(uid_or_name.casefold())
        )

    @staticmethod
    def as_ref(datasource: DeclaredDatasource) -> JsonObject:
        return {"type": datasource.type, "uid": datasource.uid}

    # -- __inputs ---------------------------------------------------------------------------------

    def input_values(self, inputs: Any, queried: set[str]) -> dict[str, str]:
        """``${NAME}`` -> replacement for each ``__inputs`` entry, as Grafana's import does.

        ``queried`` holds the placeholders used outside links: an input only links use (a trace
        link to Tempo) is bound when its type is declared and otherwise left to the link check.
        """
        values: dict[str, str] = {}
        for index, entry in enumerate(inputs if isinstance(inputs, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            name = entry["name"]
            location = f'__inputs[{index}] "{name}"'
            if entry.get("type") == "datasource":
                plugin = str(entry.get("pluginId") or "")
                self.input_plugins[name] = plugin
                chosen = self.preferred(plugin)
                if chosen is None and name not in queried and plugin:
                    # Only links use it: they get the uid an import writes, and the link check warns.
                    values[name] = suggested_uid(plugin)
                elif chosen is None:
                    self.unresolved_inputs.add(name)
                    self.problem(
                        location, f"needs a {plugin or 'typed'} datasource; none is {self.declared_summary()}"
                    )
                else:
                    values[name] = chosen.uid
            elif entry.get("type") == "constant":
                values[name] = str(entry.get("value") if entry.get("value") is not None else "")
        return values

    # -- references -------------------------------------------------------------------------------

    def resolve(self, ref: Any, location: str, meant: tuple[str, str] | None = None) -> Any:
        """``meant`` is the ``(type, why)`` a default reference stands for, when the queries say."""
        if is_default_reference(ref) and meant is not None and not same_plugin(meant[0], self.default.type):
            chosen = self.preferred(meant[0])
            if chosen is None:
                self.problem(
                    location,
                    f"names no datasource: in the Grafana it was saved in, that meant the default "
                    f"datasource, of type {meant[0]} ({meant[1]}), never this environment's "
                    f"{self.default.type}; no {meant[0]} datasource is {self.declared_summary()}; declare "
                    f"one in observability:grafana.datasources (`obsctl import dashboard` prints the entry)",
                )
                return ref
            return self.as_ref(chosen)
        if ref is None or ref == "" or ref == "default":
            return self.as_ref(self.default)
        if isinstance(ref, str):
            return self.resolve_name(ref, None, location)
        if isinstance(ref, dict):
            return self.resolve_object(ref, location)
        self.problem(location, f"datasource {ref!r} is neither a name nor a {{type, uid}} object")
        return ref

    def resolve_object(self, ref: JsonObject, location: str) -> Any:
        uid, plugin = ref.get("uid"), ref.get("type")
        plugin = plugin if isinstance(plugin, str) and plugin else None
        if uid is None or uid == "":
            chosen = self.preferred(plugin) if plugin and plugin not in _META_TYPES else self.default
            if chosen is None:
                self.problem(location, f"datasource of type {plugin} is not {self.declared_summary()}")
                return ref
            return self.as_ref(chosen)
        if not isinstance(uid, str):
            self.problem(location, f"datasource uid {uid!r} is not a string")
            return ref
        if uid in BUILTIN_UIDS:
            return {**ref, "type": plugin or "datasource"}
        return self.resolve_name(uid, plugin, location)

    def resolve_name(self, text: str, plugin: str | None, location: str) -> Any:
        if text in BUILTIN_REFS:
            return dict(BUILTIN_REFS[text])
        variable = whole_reference(text)
        if variable is not None:
            return self.resolve_variable(variable, text, plugin, location)
        found = self.find(text)
        if found is None:
            self.problem(location, f"datasource {text!r} matches no datasource {self.declared_summary()}")
            return {"type": plugin, "uid": text} if plugin else text
        if plugin and plugin not in _META_TYPES and not same_plugin(plugin, found.type):
            self.problem(
                location, f"datasource {text!r} is declared as {found.type}, the panel expects {plugin}"
            )
        return self.as_ref(found)

    def resolve_variable(self, name: str, text: str, plugin: str | None, location: str) -> Any:
        variable = self.variables.get(name)
        if variable is not None and variable.get("type") == "datasource":
            selects = datasource_variable_type(variable)
            if selects is None:
                self.problem(
                    location, f"datasource variable ${name} does not say which plugin it selects (query)"
                )
                return {"type": plugin, "uid": text} if plugin else text
            if plugin and plugin not in _META_TYPES and not same_plugin(plugin, selects):
                self.problem(
                    location, f"datasource ${name} selects {selects} datasources, the panel expects {plugin}"
                )
            return {"type": selects, "uid": text}
        if variable is not None:
            # A custom or constant variable holding a datasource name: check what it holds now.
            value = current_value(variable)
            if value is None or self.find(value) is None:
                self.problem(
                    location, f"variable ${name} holds {value!r}, not a datasource {self.declared_summary()}"
                )
            return {"type": plugin, "uid": text} if plugin else text
        if name in self.unresolved_inputs:
            return text
        if name.upper().startswith("DS_"):
            guessed = plugin if plugin and plugin not in _META_TYPES else plugin_hint(name)
            chosen = self.preferred(guessed) if guessed else None
            if chosen is not None:
                return self.as_ref(chosen)
            self.problem(
                location,
                f"placeholder ${{{name}}} has no __inputs entry and no {guessed or 'known'} datasource "
                f"fits it; {self.declared_summary()}",
            )
            return text
        self.problem(
            location, f"datasource refers to ${name}, which is not a template variable of this dashboard"
        )
        return text


def _map_strings(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {key: _map_strings(item, replace) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, replace) for item in value]
    if isinstance(value, str) and "${" in value:
        return replace(value)
    return value


def substitute_placeholders(dashboard: JsonObject, values: Mapping[str, str]) -> JsonObject:
    """A copy with every ``${NAME}`` of ``values`` replaced in every string, as Grafana's import does."""
    if not values:
        copied: JsonObject = json.loads(json.dumps(dashboard))
        return copied

    def replace(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    substituted: JsonObject = _map_strings(dashboard, replace)
    return substituted


def _needs_query_datasource(panel: JsonObject) -> bool:
    return panel.get("type") != "row" and bool(panel.get("targets"))


def resolve_with_problems(
    dashboard: JsonObject,
    declared: Sequence[DeclaredDatasource],
    default_uid: str,
    source: str,
    *,
    copy: bool = True,
    warnings: list[Problem] | None = None,
) -> tuple[JsonObject, list[Problem]]:
    """:func:`resolve_datasources` that returns its problems instead of raising them.

    ``copy=False`` lets a caller that owns ``dashboard`` (a fresh :func:`normalize` result) have it
    resolved in place, saving a deep copy per dashboard. ``warnings`` receives what does not block
    a deploy (a data link to a datasource the environment lacks).
    """
    resolver = _Resolver(dashboard, declared, default_uid, source)
    inputs = dashboard.get("__inputs")
    queried = set(_PLACEHOLDER.findall(json.dumps(without_links(dashboard)))) if inputs else set()
    values = resolver.input_values(inputs, queried)
    result = substitute_placeholders(dashboard, values) if values or copy else dashboard
    for key in ("__inputs", "__elements", "__requires"):
        result.pop(key, None)
    implied = resolver.implied_default

    for index, annotation in enumerate(dashboard_annotations(result)):
        location = f"annotations.list[{index}].datasource"
        if "datasource" in annotation or not annotation.get("builtIn"):
            meant = None if annotation.get("builtIn") else implied
            annotation["datasource"] = resolver.resolve(annotation.get("datasource"), location, meant)

    for index, variable in enumerate(template_variables(result)):
        name = variable.get("name", "")
        if variable.get("type") == "datasource":
            plugin = datasource_variable_type(variable)
            chosen = resolver.preferred(plugin) if plugin else None
            if chosen is None:
                resolver.problem(
                    f"templating.list[{index}].query",
                    f'variable "{name}" selects {plugin or "an unnamed"} datasources; '
                    f"none is {resolver.declared_summary()}",
                )
                continue
            variable["current"] = {"text": chosen.name, "value": chosen.uid}
            variable["options"] = []
        elif variable.get("type") in ("query", "adhoc") or variable.get("datasource") is not None:
            location = f"templating.list[{index}].datasource"
            meant = meant_by_variable(variable, implied) if variable.get("type") == "query" else implied
            variable["datasource"] = resolver.resolve(variable.get("datasource"), location, meant)

    for ref in iter_panels(result):
        panel = ref.panel
        if panel.get("datasource") is None and _needs_query_datasource(panel):
            panel["datasource"] = resolver.resolve(None, ref.label, meant_by_panel(panel, implied))
        elif panel.get("datasource") is not None:
            meant = meant_by_panel(panel, implied) if is_default_reference(panel["datasource"]) else None
            before = len(resolver.problems)
            panel["datasource"] = resolver.resolve(panel["datasource"], ref.label, meant)
            if panel.get("type") != "row" and not panel.get("targets"):
                # A panel without queries (alertlist, text) never asks its datasource for data:
                # Grafana loads it whatever that reference says, so it does not block a deploy.
                resolver.warnings.extend(
                    Problem(p.source, p.location, f"{p.message}; the panel runs no query, so nothing breaks")
                    for p in resolver.problems[before:]
                )
                del resolver.problems[before:]
        for ref_id, target in iter_targets(panel):
            if target.get("datasource") is not None:
                target["datasource"] = resolver.resolve(target["datasource"], f"{ref.label} target {ref_id}")
    _bind_links(result, resolver)
    if warnings is not None:
        warnings.extend(resolver.warnings)
    return result, resolver.problems


def _bind_links(dashboard: JsonObject, resolver: _Resolver) -> None:
    """Point each data link at the environment's datasource; an undeclared one is only a warning."""
    for found in link_datasources(dashboard):
        if is_variable_link(found, resolver.variables):
            continue
        plugin = link_plugin(found, resolver.input_plugins)
        chosen = resolver.find(found.value) or (resolver.find(found.name) if found.name else None)
        if chosen is None and plugin is not None:
            chosen = resolver.preferred(plugin)
        if chosen is not None:
            found.replace(chosen)
            continue
        kind = f"a {plugin} datasource" if plugin else "a datasource"
        resolver.warnings.append(
            Problem(
                resolver.source,
                found.path,
                f"{found.label}: a link opens {kind} ({found.value!r}) this environment does not declare; "
                f"the dashboard deploys and only this link opens nothing until "
                f"{'one is' if plugin else 'it is'} declared in observability:grafana.datasources",
            )
        )


def resolve_datasources(
    dashboard: JsonObject,
    declared: Sequence[DeclaredDatasource],
    default_uid: str,
    source: str,
) -> JsonObject:
    """A copy of a normalized dashboard whose datasource references all name declared datasources.

    ``${X}`` placeholders of ``__inputs`` are substituted everywhere (datasource inputs with the
    environment's datasource of that plugin type, constants with their value) and the export
    metadata is dropped. References become ``{type, uid}`` objects, built-ins or references to a
    ``datasource`` variable, whose ``current`` is set to the environment's datasource of its type
    (the default datasource when it has that type, else the first declared one).

    Raises DefinitionError listing every reference that matches nothing, naming file, panel and ref.
    """
    result, problems = resolve_with_problems(dashboard, declared, default_uid, source)
    if problems:
        raise DefinitionError(problems)
    return result
