"""Monitors in the form Datadog stores them, and that form as Pulumi Datadog provider inputs.

A monitor travels as an API payload (the JSON body of ``POST /api/v1/monitor``): the catalog
definition becomes one, stack settings edit it, :func:`normalize` canonicalises it, the
datadog-api-client models validate it, and :func:`provider_inputs` turns it into keyword arguments
of ``pulumi_datadog.Monitor``.

:func:`normalize` writes each value the way the API and the provider hand it back after a create,
so a deployed monitor shows no diff on the next preview: text trimmed (the provider trims message,
escalation message and query), tags sorted and unique (the provider keeps them as a sorted set),
numbers with one spelling (the API answers ``80`` as ``80.0``), nothing empty that the API drops,
and the critical threshold taken from the query when the file leaves it out, as the API does.
It is idempotent, and a payload that has been through the API normalizes to itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from infra.catalog.datadog.models import MonitorDefinition, TagValue
from infra.catalog.datadog.query import canonical_number, format_number, trailing_comparison

Payload = dict[str, Any]

LOG_ONLY_OPTIONS = ("enable_logs_sample", "groupby_simple_monitor")
"""Options the API ignores, and does not return, on monitors other than log alerts."""

PROVIDER_OPTION_NAMES = {
    "thresholds": "monitor_thresholds",
    "threshold_windows": "monitor_threshold_windows",
    "notify_by": "notify_bies",
}
"""API option -> ``pulumi_datadog.Monitor`` argument, where the names differ."""

RUNBOOK_LINK = re.compile(r"https?://[^\s)\]>\"']+")
"""A link in a message, as the alert-severity-and-runbook policy finds one: a message that has
one keeps it, one without gets the stack's ``runbookUrlTemplate``."""

NO_OP_OPTIONS = {"locked": False}
"""Deprecated options that exports still carry, dropped at their no-op value (as are empty ones,
such as ``silenced: {}``); any other value is a validation error."""


def tag_list(tags: tuple[str, ...] | Mapping[str, TagValue] | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, Mapping):
        return [key if value is None else f"{key}:{_tag_value(value)}" for key, value in tags.items()]
    return list(tags)


def _tag_value(value: TagValue) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def api_payload(definition: MonitorDefinition) -> Payload:
    """The catalog definition as a Datadog API monitor body (catalog-only settings left out)."""
    options = definition.effective_options().model_dump(mode="json", exclude_none=True)
    payload: Payload = {
        "name": definition.name,
        "type": definition.type,
        "query": definition.query,
        "message": _with_runbook(definition.message, definition.runbook_url),
        "tags": tag_list(definition.tags),
        "options": options,
    }
    for key in ("priority", "restricted_roles", "draft_status"):
        value = getattr(definition, key)
        if value is not None:
            payload[key] = list(value) if isinstance(value, tuple) else value
    if definition.assets:
        payload["assets"] = [asset.model_dump(mode="json", exclude_none=True) for asset in definition.assets]
    return payload


def has_runbook_asset(payload: Mapping[str, Any]) -> bool:
    return any(
        isinstance(asset, Mapping) and asset.get("category") == "runbook"
        for asset in payload.get("assets") or ()
    )


def _with_runbook(message: str, runbook_url: str | None) -> str:
    if not runbook_url or runbook_url in message:
        return message
    return f"{message.rstrip()}\n\nRunbook: {runbook_url}"


def normalize(payload: Mapping[str, Any]) -> Payload:
    """The payload as Datadog stores it. Pure: returns a new dict, ``normalize(normalize(p)) == normalize(p)``."""
    result: Payload = {}
    for key, value in payload.items():
        if key in ("name", "message", "query"):
            result[key] = value.strip() if isinstance(value, str) else value
        elif key in ("tags", "restricted_roles", "assets"):
            if value and key == "assets":
                result[key] = list(value)
            elif value:
                result[key] = sorted(set(value))
        elif key == "priority":
            if value is not None:
                result[key] = int(value) if isinstance(value, float) and value.is_integer() else value
        elif key == "options":
            result[key] = _normalize_options(dict(value or {}), payload)
        elif value is not None:
            result[key] = value
    return result


def _normalize_options(options: dict[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    for key, default in NO_OP_OPTIONS.items():
        if key in options and options[key] == default:
            del options[key]
    if payload.get("type") != "log alert":
        for key in LOG_ONLY_OPTIONS:
            options.pop(key, None)
    if isinstance(options.get("escalation_message"), str):
        options["escalation_message"] = options["escalation_message"].strip()
    thresholds = {
        name: canonical_number(value)
        for name, value in (options.get("thresholds") or {}).items()
        if value is not None
    }
    query = payload.get("query")
    comparison = trailing_comparison(query) if isinstance(query, str) else None
    if comparison is not None and "critical" not in thresholds:
        thresholds["critical"] = canonical_number(comparison.threshold)
    options["thresholds"] = thresholds
    if options.get("escalation_message") == "":
        del options["escalation_message"]
    return _pruned(options)


def _pruned(value: dict[str, Any]) -> dict[str, Any]:
    """The dict without None, and without lists and dicts that are empty once pruned."""
    result: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _pruned(item)
        elif isinstance(item, list | tuple):
            item = [_pruned(element) if isinstance(element, dict) else element for element in item]
        if item is None or (isinstance(item, dict | list) and not item):
            continue
        result[key] = item
    return result


def provider_inputs(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``pulumi_datadog.Monitor`` for a normalized, validated payload.

    The provider spells thresholds as strings and priority as a string; it takes one scheduling
    recurrence and splits formula variables by data source.
    """
    inputs: dict[str, Any] = {
        key: payload[key]
        for key in ("name", "type", "query", "message", "tags", "restricted_roles", "draft_status", "assets")
        if key in payload
    }
    if payload.get("priority") is not None:
        inputs["priority"] = str(payload["priority"])
    for key, value in (payload.get("options") or {}).items():
        if key == "thresholds":
            value = {name: format_number(number) for name, number in value.items()}
        elif key == "scheduling_options":
            value = _provider_scheduling(value)
        elif key == "variables":
            value = provider_variables(value)
        inputs[PROVIDER_OPTION_NAMES.get(key, key)] = value
    return inputs


def _provider_scheduling(options: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: value for key, value in options.items() if key != "custom_schedule"}
    if "custom_schedule" in options:
        (recurrence,) = options["custom_schedule"]["recurrences"]
        result["custom_schedule"] = {"recurrence": recurrence}
    return result


EVENT_DATA_SOURCES = frozenset(
    {"rum", "ci_pipelines", "ci_tests", "audit", "events", "logs", "spans", "database_queries", "network"}
)
"""Formula variables the provider takes as ``event_queries``."""


def provider_variables(variables: list[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for variable in variables:
        if variable.get("data_source") == "cloud_cost":
            result.setdefault("cloud_cost_queries", []).append(dict(variable))
            continue
        query = {
            key: value for key, value in variable.items() if key not in ("compute", "group_by", "storage")
        }
        if "compute" in variable:
            query["computes"] = [variable["compute"]]
        if variable.get("group_by"):
            query["group_bies"] = list(variable["group_by"])
        result.setdefault("event_queries", []).append(query)
    return result


def variable_problem(variable: Mapping[str, Any]) -> str | None:
    """Why the provider cannot express a formula variable, or None."""
    source = variable.get("data_source")
    if source != "cloud_cost" and source not in EVENT_DATA_SOURCES:
        return f"data_source {source!r} is not supported by the Pulumi Datadog provider's monitor variables"
    if variable.get("storage", "hot") != "hot":
        return f"storage {variable['storage']!r} cannot be set through the Pulumi Datadog provider"
    return None
