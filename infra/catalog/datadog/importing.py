"""Monitors as people have them, as canonical catalog entries (``obsctl import datadog``).

Accepted documents, told apart by their content:

* a monitor exported from the Datadog UI or ``GET /api/v1/monitor/{id}``;
* a list of them (``GET /api/v1/monitor``), or ``{"monitors": [...]}`` (the search and paginated
  list responses);
* an integration package monitor, ``{version, title, ..., definition}`` (with
  ``template_variables`` or without), or the older flat package format with
  ``recommended_monitor_metadata``;
* a catalog keyed by monitor id, options flat or under ``options:``, tags a list or a map
  (cloudposse's ``catalog/monitors/*.yaml``, this repository's own files).

Each monitor becomes the repository's catalog shape: options under ``options:`` in the models'
field order, tags a list, read-only and empty (default) values left out. Package metadata and the
fields Datadog sets itself are reported as ignored; anything else the catalog model does not know
is refused, naming the file, the monitor id and the key. Nothing here imports Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from infra.catalog.datadog.loader import (
    INTEGRATION_WRAPPER_FIELDS,
    PACKAGE_ONLY_FIELDS,
    READ_ONLY_EXPORT_FIELDS,
    validation_messages,
)
from infra.catalog.datadog.models import OPTION_FIELDS, MonitorDefinition, MonitorOptions, Thresholds
from infra.catalog.datadog.normalize import NO_OP_OPTIONS
from infra.catalog.datadog.templating import query_variables
from infra.errors import ProblemCollector

SEARCH_RESULT_FIELDS = frozenset(
    {"classification", "last_triggered_ts", "metrics", "notifications", "scopes", "status", "assets_count"}
)
"""Fields of ``GET /api/v1/monitor/search`` results that describe the monitor's state, not the monitor."""
READ_ONLY_FIELDS = READ_ONLY_EXPORT_FIELDS | SEARCH_RESULT_FIELDS
OPTION_READ_ONLY = frozenset({"aggregation"})
"""Options the API answers with and computes itself (``aggregation``, from the query)."""
UI_THRESHOLD_KEYS = frozenset({"comparison", "period", "timeAggregator"})
"""What the Datadog UI's monitor editor saves beside the thresholds of event and log monitors (its
own form state: the query already holds the comparison, window and aggregation). The API stores and
returns them; the monitor model, and so the provider, has no field for them."""
TOP_LEVEL_ORDER = (
    "name",
    "type",
    "query",
    "message",
    "tags",
    "priority",
    "severity",
    "runbook_url",
    "enabled",
    "restricted_roles",
    "draft_status",
    "assets",
    "template_variables",
    "force_delete",
    "validate",
)
MANAGED_BY_KEY = re.compile(r"^managed[-_]?by$", re.IGNORECASE)
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class ImportedMonitor:
    id: str
    entry: dict[str, Any]
    """The catalog entry, in the file's key order."""
    ignored: list[str] = field(default_factory=list)
    """What was read and left out, each with why."""


def monitor_id(text: str) -> str:
    """A catalog id (a Pulumi resource name) from a file name or a monitor name."""
    slug = _ID_CHARACTERS.sub("-", text.strip()).strip("-._").lower()
    return slug or "monitor"


def import_document(document: Any, stem: str, source: str) -> list[ImportedMonitor]:
    """The monitors of one parsed file; raises one DefinitionError naming each refused key."""
    problems = ProblemCollector()
    monitors = [
        monitor
        for monitor_id_, body, ignored in _raw_monitors(document, stem, source, problems)
        if (monitor := _canonical(monitor_id_, body, ignored, source, problems)) is not None
    ]
    if not monitors and not problems.problems:
        problems.add(source, "", "holds no monitor")
    problems.raise_if_any()
    return monitors


def _raw_monitors(
    document: Any, stem: str, source: str, problems: ProblemCollector
) -> Iterator[tuple[str, Mapping[str, Any], list[str]]]:
    if isinstance(document, Mapping) and isinstance(document.get("monitors"), list):
        document = document["monitors"]
    if isinstance(document, list):
        yield from _exported_list(document, source, problems)
    elif not isinstance(document, Mapping):
        problems.add(source, "", "must be a monitor, a list of monitors, a package monitor or a catalog")
    elif isinstance(document.get("definition"), Mapping):
        yield _package(document, monitor_id(stem), source, problems)
    elif any(key in document and not isinstance(document[key], Mapping) for key in ("name", "type", "query")):
        yield monitor_id(stem), *_exported(document)
    else:
        for key, body in document.items():
            if not isinstance(body, Mapping):
                problems.add(source, str(key), "must be a mapping of monitor fields")
                continue
            yield str(key), body, []


def _exported_list(
    items: list[Any], source: str, problems: ProblemCollector
) -> Iterator[tuple[str, Mapping[str, Any], list[str]]]:
    taken: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.add(source, f"[{index}]", "must be a monitor with a name")
            continue
        candidate = monitor_id(item["name"])
        if candidate in taken:
            candidate = f"{candidate}-{item.get('id', index)}"
        taken.add(candidate)
        yield candidate, *_exported(item)


def _exported(body: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    read_only = sorted(key for key in body if key in READ_ONLY_FIELDS)
    package = sorted(key for key in body if key in PACKAGE_ONLY_FIELDS)
    ignored = []
    if read_only:
        ignored.append(f"{', '.join(read_only)} (set by Datadog, not by the monitor's author)")
    if package:
        ignored.append(f"{', '.join(package)} (package metadata, not deployed)")
    if SEARCH_RESULT_FIELDS & set(body) and "options" not in body:
        ignored.append("a search result carries no options: export GET /api/v1/monitor/{id} to keep them")
    kept = {key: value for key, value in body.items() if key not in READ_ONLY_FIELDS | PACKAGE_ONLY_FIELDS}
    return kept, ignored


def _package(
    document: Mapping[str, Any], id_: str, source: str, problems: ProblemCollector
) -> tuple[str, dict[str, Any], list[str]]:
    unknown = sorted(set(document) - INTEGRATION_WRAPPER_FIELDS)
    if unknown:
        problems.add(source, id_, f"unknown integration monitor fields: {', '.join(unknown)}")
    metadata = sorted(set(document) & INTEGRATION_WRAPPER_FIELDS - {"definition", "template_variables"})
    body, ignored = _exported(document["definition"])
    ignored.insert(0, f"{', '.join(metadata)} (package metadata, not deployed)")
    declared = document.get("template_variables") or []
    tag_keys: dict[str, str] = {}
    for index, variable in enumerate(declared if isinstance(declared, list) else [None]):
        if not (isinstance(variable, Mapping) and isinstance(variable.get("name"), str)):
            problems.add(source, id_, f"template_variables[{index}]: must be a mapping with a name")
            continue
        name, key = (
            variable["name"],
            str(variable.get("prefix") or variable.get("tag_key") or variable["name"]),
        )
        # Kept where the catalog could not tell it otherwise: another tag key, or a use outside a
        # scope (where only declared variables are recognised).
        query = str(body.get("query", ""))
        outside_scope = name in query_variables(query, [name]) and name not in query_variables(query)
        if key != name or (outside_scope and name != "env"):
            tag_keys[name] = key
    if declared:
        ignored.append("template_variables' defaults and available values (the stack gives the values)")
    if tag_keys:
        body["template_variables"] = tag_keys
    return id_, body, ignored


def _canonical(
    id_: str, body: Mapping[str, Any], ignored: list[str], source: str, problems: ProblemCollector
) -> ImportedMonitor | None:
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", id_):
        problems.add(source, id_, "a monitor id holds letters, digits, '.', '_' and '-' only")
        return None
    flat = {key: value for key, value in body.items() if key != "options"}
    nested = body.get("options")
    options = dict(nested) if isinstance(nested, Mapping) else {}
    if isinstance(nested, Mapping) or nested is None:
        options |= {key: flat.pop(key) for key in list(flat) if key in OPTION_FIELDS and key not in options}
    for key in sorted(OPTION_READ_ONLY & set(options)):
        del options[key]
        ignored.append(f"options.{key} (computed by Datadog from the query)")
    thresholds = options.get("thresholds")
    if isinstance(thresholds, Mapping) and (editor := sorted(UI_THRESHOLD_KEYS & set(thresholds))):
        options["thresholds"] = {k: v for k, v in thresholds.items() if k not in UI_THRESHOLD_KEYS}
        keys = ", ".join(f"options.thresholds.{key}" for key in editor)
        ignored.append(f"{keys} (the Datadog UI editor's state; the query holds them)")
    entry: dict[str, Any] = {key: _tidy(value) for key, value in flat.items()}
    entry["tags"] = _tags(entry.get("tags"), ignored)
    entry = {key: value for key, value in entry.items() if not _is_default(value)}
    if options or nested is not None:
        entry["options"] = _ordered_options(_pruned(options)) if isinstance(options, dict) else nested
    try:
        MonitorDefinition.model_validate(entry)
    except ValidationError as error:
        for message in validation_messages(error):
            problems.add(source, id_, message)
        return None
    order = {key: index for index, key in enumerate((*TOP_LEVEL_ORDER, "options"))}
    ordered = dict(sorted(entry.items(), key=lambda item: order.get(item[0], len(order))))
    return ImportedMonitor(id_, ordered, ignored)


def _tidy(value: Any) -> Any:
    # A YAML block scalar (`query: |`) ends in a newline the API trims anyway.
    return value.strip() if isinstance(value, str) else value


def _tags(tags: Any, ignored: list[str]) -> Any:
    if isinstance(tags, Mapping):
        tags = [key if value is None else f"{key}:{_tag_value(value)}" for key, value in tags.items()]
    if not isinstance(tags, list | tuple):
        return tags
    kept = []
    for tag in dict.fromkeys(tags):
        if isinstance(tag, str) and MANAGED_BY_KEY.match(tag.split(":", 1)[0]):
            ignored.append(f"tag {tag} (every stack tags its monitors managed-by:pulumi)")
            continue
        kept.append(tag)
    return kept


def _tag_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _is_default(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict | tuple) and not value)


def _pruned(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options without the values the API treats as unset (``null``, ``""`` escalation, ``{}``,
    ``[]``, ``locked: false``)."""
    result: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if v is not None}
        if (
            _is_default(value)
            or (key == "escalation_message" and value == "")
            or NO_OP_OPTIONS.get(key, ...) == value
        ):
            continue
        result[key] = _tidy(value) if key == "escalation_message" else value
    return result


def _ordered_options(options: dict[str, Any]) -> dict[str, Any]:
    order = {name: index for index, name in enumerate(MonitorOptions.model_fields)}
    result = dict(sorted(options.items(), key=lambda item: order.get(item[0], len(order))))
    thresholds = result.get("thresholds")
    if isinstance(thresholds, Mapping):
        levels = {name: index for index, name in enumerate(Thresholds.model_fields)}
        result["thresholds"] = dict(
            sorted(thresholds.items(), key=lambda item: levels.get(item[0], len(levels)))
        )
    return result


class _CatalogDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks; nothing folded, so a query stays on one greppable line."""


_CatalogDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_CatalogDumper, sort_keys=False, allow_unicode=True, width=1_000_000)
