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

import difflib
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

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
SYNTHETICS_OPTIONS = frozenset(
    {"synthetics_check_id", "device_ids", "min_failure_duration", "min_location_failed"}
)
"""Options the API knows for ``synthetics alert`` monitors, which the synthetic test creates and owns."""
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
        yield RawEntry(stem, with_package_variables(document, stem, source, problems))
    elif any(key in document and not isinstance(document[key], Mapping) for key in _FLAT_MONITOR_KEYS):
        ignored = READ_ONLY_EXPORT_FIELDS | PACKAGE_ONLY_FIELDS
        yield RawEntry(stem, {k: v for k, v in document.items() if k not in ignored})
    else:
        for key, body in document.items():
            yield RawEntry(str(key), body)


def with_package_variables(
    document: Mapping[str, Any], stem: str, source: str, problems: ProblemCollector
) -> Any:
    """The package's ``definition``, with the tag key of each of its ``template_variables`` whose
    key is not its name (``{name: cluster, prefix: kube_cluster_name}``) as ``template_variables``."""
    definition = document["definition"]
    declared = document.get("template_variables")
    if declared is None or "template_variables" in definition:
        return definition
    if not isinstance(declared, list) or not all(
        isinstance(v, Mapping) and isinstance(v.get("name"), str) for v in declared
    ):
        problems.add(source, stem, "template_variables: must be a list of {name, prefix} mappings")
        return definition
    tag_keys = {
        variable["name"]: str(variable.get("prefix") or variable.get("tag_key") or variable["name"])
        for variable in declared
    }
    return {**definition, "template_variables": tag_keys} if tag_keys else definition


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
        parts = [part for part in detail["loc"] if not _is_union_member(part)]
        path = ".".join(str(part) for part in parts)
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden" and parts and parts[-1] in SYNTHETICS_OPTIONS:
            message = (
                "belongs to the synthetic test that owns such a monitor: manage the test, not the monitor"
            )
        elif detail["type"] == "extra_forbidden":
            message = "unknown field" + _did_you_mean(parts)
        yield f"{path}: {message}" if path else message


def _did_you_mean(parts: list[str | int]) -> str:
    """The closest field the Datadog API accepts where an unknown one was written."""
    model: type[BaseModel] | None = MonitorDefinition
    for part in parts[:-1]:
        field = model.model_fields.get(str(part)) if model else None
        model = _model_in(field.annotation) if field else None
    if model is None or not parts:
        return ""
    names = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(parts[-1]), names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X | None`` or ``tuple[X, ...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, typing.get_args(annotation)) if m is not None), None)


def _is_union_member(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool", "none"})
