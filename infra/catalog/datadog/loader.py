"""Reading ``alerts/datadog/``: every monitor file shape Datadog users already have.

Three shapes are accepted, told apart by their content rather than by their extension:

* a monitor exported from the Datadog UI or API: flat ``name``/``type``/``query``/``message``/
  ``tags``/``options`` (read-only fields of the export such as ``id`` or ``creator`` are ignored);
* an integration package monitor: ``{version, title, description, definition: {...}}`` (with
  ``template_variables`` or without), or the older flat package format with
  ``recommended_monitor_metadata`` (package metadata, not deployed);
* a catalog keyed by monitor id (``id: {name, type, query, ...}``), options flat or under
  ``options:``, tags as a list or a map.

A monitor's id is its key in a catalog, or its file name without extension otherwise. Ids name
Pulumi resources and stack overrides, so they are unique across the whole directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.catalog.datadog.files import display_path, read_document
from infra.catalog.datadog.models import MONITOR_ID_PATTERN, MonitorDefinition
from infra.errors import DefinitionError, ProblemCollector

MONITORS_DIR = Path("alerts/datadog")
PIPELINES_SUBDIR = "pipelines"
EXTENSIONS = (".yaml", ".yml", ".json")

READ_ONLY_EXPORT_FIELDS = frozenset(
    {
        "id",
        "org_id",
        "created",
        "created_at",
        "modified",
        "creator",
        "deleted",
        "multi",
        "matching_downtimes",
        "overall_state",
        "overall_state_modified",
        "state",
    }
)
"""Fields the Datadog API returns but does not accept, present in UI and API exports."""

INTEGRATION_WRAPPER_FIELDS = frozenset(
    {
        "version",
        "created_at",
        "last_updated_at",
        "title",
        "description",
        "tags",
        "definition",
        "template_variables",
    }
)
"""The wrapper of an integration package monitor (``assets/monitors/*.json``): metadata for the
package's catalog page around the monitor's ``definition``. Only the definition is deployed; its
``$env`` template variable is the stack's env (see ``templating.substitute_env_in_query``)."""
PACKAGE_ONLY_FIELDS = frozenset({"recommended_monitor_metadata"})
"""Fields of the older flat integration package format that describe the package, not the monitor."""
_FLAT_MONITOR_KEYS = ("name", "type", "query", "message")


@dataclass(frozen=True)
class CatalogMonitor:
    id: str
    source: str
    """The file it came from, relative to the repository root (e.g. ``alerts/datadog/system.yaml``)."""
    definition: MonitorDefinition


@dataclass(frozen=True)
class RawEntry:
    id: str
    body: Any


def monitor_files(directory: Path) -> list[Path]:
    pipelines = directory / PIPELINES_SUBDIR
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix in EXTENSIONS and not path.is_dir() and pipelines not in path.parents
    )


def load_monitors(directory: Path, root: Path, tree: Path) -> dict[str, CatalogMonitor]:
    """Every monitor under ``directory`` (except ``pipelines/``) by id; raises one DefinitionError
    listing every problem of every file. Files are named relative to ``root`` and must resolve
    inside ``tree``."""
    problems = ProblemCollector()
    monitors: dict[str, CatalogMonitor] = {}
    for path in monitor_files(directory):
        source = display_path(path, root)
        try:
            document = read_document(path, source, tree)
        except DefinitionError as error:
            problems.extend(error)
            continue
        for entry in _entries(document, path.stem, source, problems):
            monitor = _parse_entry(entry, source, problems)
            if monitor is None:
                continue
            previous = monitors.get(monitor.id)
            if previous is not None:
                problems.add(source, monitor.id, f"monitor id already defined in {previous.source}")
                continue
            monitors[monitor.id] = monitor
    problems.raise_if_any()
    return dict(sorted(monitors.items()))


def _entries(document: Any, stem: str, source: str, problems: ProblemCollector) -> Iterator[RawEntry]:
    if document is None:
        return
    if not isinstance(document, Mapping):
        problems.add(
            source, "", "must be a monitor, an integration monitor or a map of monitor id to monitor"
        )
        return
    if isinstance(document.get("definition"), Mapping):
        unknown = sorted(set(document) - INTEGRATION_WRAPPER_FIELDS)
        if unknown:
            problems.add(source, stem, f"unknown integration monitor fields: {', '.join(unknown)}")
        yield RawEntry(stem, document["definition"])
    elif any(key in document and not isinstance(document[key], Mapping) for key in _FLAT_MONITOR_KEYS):
        ignored = READ_ONLY_EXPORT_FIELDS | PACKAGE_ONLY_FIELDS
        yield RawEntry(stem, {k: v for k, v in document.items() if k not in ignored})
    else:
        for key, body in document.items():
            yield RawEntry(str(key), body)


def _parse_entry(entry: RawEntry, source: str, problems: ProblemCollector) -> CatalogMonitor | None:
    if not re.match(MONITOR_ID_PATTERN, entry.id):
        problems.add(source, entry.id, "a monitor id holds letters, digits, '.', '_' and '-' only")
        return None
    if not isinstance(entry.body, Mapping):
        problems.add(source, entry.id, "must be a mapping of monitor fields")
        return None
    try:
        definition = MonitorDefinition.model_validate(entry.body)
    except ValidationError as error:
        for message in validation_messages(error):
            problems.add(source, entry.id, message)
        return None
    return CatalogMonitor(entry.id, source, definition)


def validation_messages(error: ValidationError) -> Iterator[str]:
    """Pydantic's errors as ``field.path: message``, without its internal union member names."""
    for detail in error.errors():
        path = ".".join(str(part) for part in detail["loc"] if not _is_union_member(part))
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        yield f"{path}: {message}" if path else message


def _is_union_member(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool", "none"})
