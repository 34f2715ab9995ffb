"""Offline validation of a normalized monitor payload.

Two layers. The datadog-api-client ``Monitor`` model checks types, required fields and ranges the
way the client deserializes an API response; it does not reject an unknown enum value (a
misspelled ``type``, an unknown ``on_missing_data``) but only marks the model ``_unparsed``, so
that flag is walked to the field that set it. Then the rules the models miss: the query's shape
must suit the monitor type, thresholds must be numbers, the query's comparison must agree with
the critical threshold, warning and recovery thresholds must lie on the right side of it, and the
payload must be expressible through the Pulumi Datadog provider.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from infra.catalog.datadog.normalize import variable_problem
from infra.catalog.datadog.query import (
    ABOVE,
    BELOW,
    TYPES_WITHOUT_COMPARISON,
    format_number,
    shape_problem,
    trailing_comparison,
)

THRESHOLD_NAMES = ("critical", "warning", "critical_recovery", "warning_recovery", "ok", "unknown")


@cache
def _client() -> tuple[Any, tuple[type[Exception], ...]]:
    # Imported on first use: about 0.1 s that a stack without Datadog should not pay.
    from datadog_api_client import Configuration
    from datadog_api_client.exceptions import OpenApiException
    from datadog_api_client.model_utils import validate_and_convert_types
    from datadog_api_client.v1.model.monitor import Monitor

    configuration = Configuration()

    def parse(payload: Mapping[str, Any]) -> Any:
        # The same call the client makes on a response body: JSON names, types checked.
        return validate_and_convert_types(
            dict(payload), (Monitor,), ["monitor"], True, True, configuration=configuration
        )

    return parse, (OpenApiException, TypeError, ValueError)


def monitor_problems(payload: Mapping[str, Any]) -> list[str]:
    """Everything wrong with a normalized payload, each naming its field; empty when deployable."""
    problems = list(_model_problems(payload))
    problems.extend(_query_problems(payload))
    problems.extend(_threshold_problems(payload))
    problems.extend(_provider_problems(payload))
    return problems


def _model_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    parse, errors = _client()
    try:
        model = parse(payload)
    except errors as error:
        yield _client_error_message(error)
        return
    if model._unparsed:
        yield from (f"{path}: {message}" for path, message in _unparsed_fields(model, ""))


def _query_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    query = payload.get("query")
    problem = shape_problem(str(payload.get("type", "")), query) if isinstance(query, str) else None
    if problem:
        yield f"query: {problem}"


def _client_error_message(error: Exception) -> str:
    """The client's complaint as ``field.path: message``."""
    text = str(error)
    path = [part for part in getattr(error, "path_to_item", None) or [] if part != "monitor"]
    if path:
        text = text.rsplit(" at [", 1)[0]
        return f"{_dotted(path)}: {text}"
    missing = re.search(r"missing \d+ required positional argument: '(\w+)'", text)
    if missing:
        return f"{missing[1]}: is required"
    return text


def _dotted(path: list[str | int]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def _unparsed_fields(model: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, reason) for each value the client could not parse inside ``model``."""
    from datadog_api_client.model_utils import ModelComposed, ModelSimple, OpenApiModel, UnparsedObject

    if isinstance(model, UnparsedObject):
        yield path or "value", "does not match any of the shapes the Datadog API accepts here"
        return
    if isinstance(model, ModelSimple):
        allowed = sorted(str(value) for value in model.allowed_values)
        value = model.value
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
        yield path, f"{value!r} is not a value the Datadog API accepts{hint}"
        return
    if isinstance(model, ModelComposed):
        yield path, "does not match any of the shapes the Datadog API accepts here"
        return
    for name, value in model._data_store.items():
        child = f"{path}.{name}" if path else name
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            item_path = child if index is None else f"{child}[{index}]"
            if isinstance(item, UnparsedObject) or (isinstance(item, OpenApiModel) and item._unparsed):
                yield from _unparsed_fields(item, item_path)


def _threshold_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    thresholds = (payload.get("options") or {}).get("thresholds") or {}
    numeric: dict[str, float] = {}
    for name in THRESHOLD_NAMES:
        value = thresholds.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            yield f"options.thresholds.{name}: must be a number, got {value!r}"
        else:
            numeric[name] = float(value)
    if payload.get("type") in TYPES_WITHOUT_COMPARISON:
        # Service check thresholds count consecutive statuses; they have no side.
        return
    comparison = trailing_comparison(str(payload.get("query", "")))
    if comparison is None:
        return
    critical = numeric.get("critical")
    if critical is not None and critical != comparison.threshold:
        yield (
            f"options.thresholds.critical: {format_number(critical)} disagrees with the query, which "
            f"compares `{comparison.operator} {format_number(comparison.threshold)}`; they must be equal"
        )
    side = "above" if comparison.operator in ABOVE else "below" if comparison.operator in BELOW else None
    if side is None:
        return
    pairs = (("warning", "critical"), ("critical_recovery", "critical"), ("warning_recovery", "warning"))
    for lower_level, upper_level in pairs:
        value, limit = numeric.get(lower_level), numeric.get(upper_level)
        if value is None or limit is None:
            continue
        wrong = value >= limit if side == "above" else value <= limit
        if wrong:
            relation = "below" if side == "above" else "above"
            yield (
                f"options.thresholds.{lower_level}: {format_number(value)} must be {relation} "
                f"{upper_level} ({format_number(limit)}) because the query alerts when the value is "
                f"{side} `{comparison.operator} {format_number(comparison.threshold)}`"
            )


def _provider_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    options = payload.get("options") or {}
    if options.get("locked"):
        yield "options.locked: deprecated by Datadog; restrict editing with restricted_roles instead"
    if options.get("silenced"):
        yield "options.silenced: deprecated by Datadog; mute with a downtime instead"
    if options.get("restriction_query") is not None:
        yield "options.restriction_query: cannot be set through the Pulumi Datadog provider"
    recurrences = ((options.get("scheduling_options") or {}).get("custom_schedule") or {}).get("recurrences")
    if recurrences is not None and len(recurrences) != 1:
        yield "options.scheduling_options.custom_schedule.recurrences: the provider takes exactly one"
    for index, variable in enumerate(options.get("variables") or []):
        problem = variable_problem(variable) if isinstance(variable, Mapping) else "must be a mapping"
        if problem:
            yield f"options.variables[{index}]: {problem}"
    is_anomaly = "anomalies(" in str(payload.get("query", ""))
    has_windows = bool(options.get("threshold_windows"))
    if is_anomaly and not has_windows:
        yield "options.threshold_windows: an anomalies() monitor needs trigger_window and recovery_window"
    if has_windows and not is_anomaly:
        yield "options.threshold_windows: only anomalies() monitors take threshold windows"
