"""Datasources a dashboard names only inside links: data links and Explore URLs.

A data link (``fieldConfig.defaults.links``, a field override's ``links``, a panel's ``links``, the
dashboard's ``links``) can open another datasource: an internal link names it in
``internal.datasourceUid`` / ``internal.datasourceName``, an Explore URL in its ``"datasource"``
parameter. Such a link is a convenience on top of a dashboard that queries something else (a trace
link from a latency panel to Tempo): when the environment declares that datasource the link is bound
to it, and when it does not the dashboard still deploys and only the link is reported, as a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .datasource_types import plugin_hint
from .model import DeclaredDatasource, JsonObject
from .panels import iter_panels
from .variables import whole_reference

_EXPLORE_DATASOURCE = re.compile(
    r'(?P<before>(?:"|%22)datasource(?:"|%22)\s*(?::|%3A)\s*(?:"|%22))(?P<value>[^"%&]+?)(?P<after>"|%22)',
    re.IGNORECASE,
)
"""``"datasource":"Tempo"`` in an Explore URL's ``left``/``panes`` JSON, plain or percent-encoded."""


@dataclass(frozen=True)
class LinkRef:
    link: JsonObject
    path: str
    """Key path of the link: ``panels[2].fieldConfig.defaults.links[0]``."""
    label: str
    """Who holds it, for messages: ``panel "Latency"`` or ``the dashboard``."""


def _links_at(value: Any, path: str, label: str) -> Iterator[LinkRef]:
    if isinstance(value, list):
        for index, link in enumerate(value):
            if isinstance(link, dict):
                yield LinkRef(link, f"{path}[{index}]", label)


def iter_links(dashboard: JsonObject) -> Iterator[LinkRef]:
    """Every link of the dashboard, its panels, their data links and field overrides' data links."""
    yield from _links_at(dashboard.get("links"), "links", "the dashboard")
    for ref in iter_panels(dashboard):
        panel, label = ref.panel, ref.label
        yield from _links_at(panel.get("links"), f"{ref.path}.links", label)
        field_config = panel.get("fieldConfig")
        if not isinstance(field_config, dict):
            continue
        defaults = field_config.get("defaults")
        if isinstance(defaults, dict):
            yield from _links_at(defaults.get("links"), f"{ref.path}.fieldConfig.defaults.links", label)
        overrides = field_config.get("overrides")
        for o_index, override in enumerate(overrides if isinstance(overrides, list) else []):
            properties = override.get("properties") if isinstance(override, dict) else None
            for p_index, prop in enumerate(properties if isinstance(properties, list) else []):
                if isinstance(prop, dict) and prop.get("id") == "links":
                    at = f"{ref.path}.fieldConfig.overrides[{o_index}].properties[{p_index}].value"
                    yield from _links_at(prop.get("value"), at, label)


def without_links(dashboard: JsonObject) -> JsonObject:
    """A copy without any link: what the dashboard queries, to tell link-only placeholders apart."""
    copied: JsonObject = json.loads(json.dumps(dashboard))
    for ref in list(iter_links(copied)):
        ref.link.clear()
    return copied


@dataclass(frozen=True)
class LinkDatasource:
    """One datasource named by one link."""

    path: str
    label: str
    value: str
    """The uid or name as the link holds it (``${DS_TEMPO}`` in a shared export)."""
    name: str | None
    """``internal.datasourceName``, when the link has one."""
    replace: Callable[[DeclaredDatasource], None]
    """Rewrites the link to name a declared datasource."""


def link_datasources(dashboard: JsonObject) -> Iterator[LinkDatasource]:
    for ref in iter_links(dashboard):
        link = ref.link
        internal = link.get("internal")
        if isinstance(internal, dict):
            uid, name = internal.get("datasourceUid"), internal.get("datasourceName")
            value = uid if isinstance(uid, str) and uid else name if isinstance(name, str) and name else None
            if value is not None:

                def bind(chosen: DeclaredDatasource, internal: JsonObject = internal) -> None:
                    internal["datasourceUid"] = chosen.uid
                    if "datasourceName" in internal:
                        internal["datasourceName"] = chosen.name

                at = "datasourceUid" if value == uid else "datasourceName"
                name_text = name if isinstance(name, str) and name else None
                yield LinkDatasource(f"{ref.path}.internal.{at}", ref.label, value, name_text, bind)
        url = link.get("url")
        if isinstance(url, str) and "datasource" in url.lower():
            for match in _EXPLORE_DATASOURCE.finditer(url):

                def bind_url(
                    chosen: DeclaredDatasource, link: JsonObject = link, old: str = match.group(0)
                ) -> None:
                    match_again = _EXPLORE_DATASOURCE.match(old)
                    assert match_again is not None
                    new = f"{match_again['before']}{chosen.uid}{match_again['after']}"
                    link["url"] = str(link["url"]).replace(old, new, 1)

                yield LinkDatasource(f"{ref.path}.url", ref.label, match["value"], None, bind_url)


def link_plugin(found: LinkDatasource, input_plugins: Mapping[str, str]) -> str | None:
    """The plugin type a link's datasource suggests: its ``__inputs`` entry, else its name or uid."""
    variable = whole_reference(found.value)
    if variable is not None and variable in input_plugins:
        return input_plugins[variable]
    for text in (found.name, variable, found.value):
        hinted = plugin_hint(text) if text else None
        if hinted is not None:
            return hinted
    return None


def is_variable_link(found: LinkDatasource, variables: Mapping[str, JsonObject]) -> bool:
    """The link names a datasource through a template variable (or a builtin): resolved elsewhere."""
    variable = whole_reference(found.value)
    return variable is not None and (variable in variables or variable.startswith("__"))
