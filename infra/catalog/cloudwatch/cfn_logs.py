"""Converts a template's ``AWS::Logs::MetricFilter`` and ``AWS::Logs::QueryDefinition`` resources.

Metric filters become entries of a ``<name>.log-metrics.yaml`` file (one per namespace: a file has
one ``namespace``), saved queries entries of ``cloudwatch-queries/<name>.yaml``. The catalog names
a stack's log groups by their suffix under the stack's prefix (``application`` is
``/aws/eks/metrics-<stack>/application``), so a log group, given by name or as a ``Ref`` to an
``AWS::Logs::LogGroup`` of the template, is mapped to one of the groups the stacks create when its
name says which; otherwise the entry is written with a name to confirm and a note says what is
still to decide. Every problem names ``Resources.<Id>.Properties.<Key>``; notes name the same.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from infra.catalog.cloudwatch.cfn_import import kebab_case
from infra.catalog.cloudwatch.cfn_template import placeholders, resource_key
from infra.catalog.cloudwatch.models import MetricFilter
from infra.catalog.cloudwatch.queries import SavedQuery
from infra.errors import DefinitionError, ProblemCollector

_CATALOG_GROUP = re.compile(r"^/aws/eks/metrics-[^/]+/(?P<group>[.\-_/#A-Za-z0-9]+)$")
_FILTER_KEYS = {"FilterName", "FilterPattern", "LogGroupName", "MetricTransformations"}
_QUERY_KEYS = {"Name", "QueryString", "LogGroupNames", "QueryLanguage"}
_TRANSFORMATION = "MetricTransformations[0]"
_FILTER_FIELDS = {
    "pattern": "FilterPattern",
    "log_group": "LogGroupName",
    "metric_name": f"{_TRANSFORMATION}.MetricName",
    "value": f"{_TRANSFORMATION}.MetricValue",
    "default_value": f"{_TRANSFORMATION}.DefaultValue",
    "unit": f"{_TRANSFORMATION}.Unit",
    "dimensions": f"{_TRANSFORMATION}.Dimensions",
}
_QUERY_FIELDS = {"name": "Name", "query": "QueryString", "log_groups": "LogGroupNames"}


@dataclass
class LogsImport:
    """What a template's Logs resources become, and what the user still has to decide."""

    metric_filters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Namespace (may hold ``${resources...}``) -> filter entries, in template order."""
    queries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _LogGroup:
    group: str
    """The suffix under the stack's prefix."""
    literal: str | None
    """The template's own name for it, when it has one."""
    creates: bool
    """Whether ``group`` is one the stacks create."""


def import_cfn_logs(
    template: Mapping[str, Any], *, source: str, stack_log_groups: Collection[str]
) -> LogsImport:
    """Every metric filter and saved query of ``template``; one DefinitionError lists every problem."""
    problems = ProblemCollector()
    result = LogsImport()
    for logical_id, resource in template["Resources"].items():
        if not isinstance(resource, Mapping):
            continue
        properties = resource.get("Properties") or {}
        where = f"Resources.{logical_id}.Properties"
        try:
            if resource.get("Type") == "AWS::Logs::MetricFilter":
                namespace, entry = _metric_filter(
                    logical_id, properties, template, stack_log_groups, result, source
                )
                result.metric_filters.setdefault(namespace, []).append(entry)
            elif resource.get("Type") == "AWS::Logs::QueryDefinition":
                result.queries.append(
                    _query(logical_id, properties, template, stack_log_groups, result, source)
                )
        except _Problem as error:
            problems.add(source, f"{where}.{error.key}" if error.key else where, str(error))
        except DefinitionError as error:
            problems.extend(error)
    problems.raise_if_any()
    return result


class _Problem(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _unsupported(properties: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(properties) - known)
    if unknown:
        raise _Problem(unknown[0], f"{', '.join(unknown)} have no catalog equivalent")


def _literal(value: Any, key: str) -> Any:
    if isinstance(value, Mapping | list):
        raise _Problem(key, f"{str(value)[:80]} must be a literal value in the catalog")
    return value


def _metric_filter(
    logical_id: str,
    properties: Mapping[str, Any],
    template: Mapping[str, Any],
    stack_log_groups: Collection[str],
    result: LogsImport,
    source: str,
) -> tuple[str, dict[str, Any]]:
    _unsupported(properties, _FILTER_KEYS)
    where = f"Resources.{logical_id}.Properties"
    transformations = properties.get("MetricTransformations")
    if not isinstance(transformations, list) or len(transformations) != 1:
        raise _Problem(
            "MetricTransformations",
            "must hold exactly one metric transformation (MetricNamespace, MetricName, MetricValue)",
        )
    transformation = transformations[0] if isinstance(transformations[0], Mapping) else {}
    for key in ("MetricNamespace", "MetricName", "MetricValue"):
        if key not in transformation:
            raise _Problem(f"{_TRANSFORMATION}.{key}", "is required")
    if "FilterPattern" not in properties:
        raise _Problem("FilterPattern", "is required (an empty pattern matches every event)")
    if "LogGroupName" not in properties:
        raise _Problem("LogGroupName", "is required")
    group = _log_group(properties["LogGroupName"], template, stack_log_groups, logical_id)
    _note_log_group(group, f"{where}.LogGroupName", result, "log_group")
    namespace = placeholders(
        transformation["MetricNamespace"], source, f"{where}.{_TRANSFORMATION}.MetricNamespace"
    )
    entry: dict[str, Any] = {
        "id": kebab_case(logical_id),
        "log_group": group.group,
        "pattern": _literal(properties["FilterPattern"], "FilterPattern"),
        "metric_name": _literal(transformation["MetricName"], f"{_TRANSFORMATION}.MetricName"),
        "value": str(_literal(transformation["MetricValue"], f"{_TRANSFORMATION}.MetricValue")),
    }
    if transformation.get("DefaultValue") is not None:
        entry["default_value"] = _literal(transformation["DefaultValue"], f"{_TRANSFORMATION}.DefaultValue")
    if "Unit" in transformation:
        entry["unit"] = _literal(transformation["Unit"], f"{_TRANSFORMATION}.Unit")
    if transformation.get("Dimensions"):
        entry["dimensions"] = {
            str(d.get("Key")): _literal(d.get("Value"), f"{_TRANSFORMATION}.Dimensions")
            for d in transformation["Dimensions"]
        }
    entry["description"] = f"Imported from CloudFormation: Resources.{logical_id}."
    _validate(MetricFilter, entry, _FILTER_FIELDS)
    return namespace, entry


def _query(
    logical_id: str,
    properties: Mapping[str, Any],
    template: Mapping[str, Any],
    stack_log_groups: Collection[str],
    result: LogsImport,
    source: str,
) -> dict[str, Any]:
    _unsupported(properties, _QUERY_KEYS)
    where = f"Resources.{logical_id}.Properties"
    language = properties.get("QueryLanguage", "CWLI")
    if language != "CWLI":
        raise _Problem("QueryLanguage", f"{language!r}: the catalog saves Logs Insights (CWLI) queries only")
    if not properties.get("QueryString"):
        raise _Problem("QueryString", "is required and must not be empty")
    name = properties.get("Name")
    # The console's "folder/name": the catalog puts its own folders (<environment>/<set>/) in front.
    title = name.rsplit("/", 1)[-1] if isinstance(name, str) and name.strip("/") else logical_id
    log_groups = []
    for index, value in enumerate(properties.get("LogGroupNames") or []):
        group = _log_group(value, template, stack_log_groups, logical_id)
        key = f"{where}.LogGroupNames[{index}]"
        if group.literal is not None and not group.creates and not _CATALOG_GROUP.match(group.literal):
            log_groups.append(group.literal)
            result.notes.append(
                f"{key}: {group.literal} is queried by that name in every stack; if each stack has its "
                "own, write it as ${logGroupPrefix}/<group> and add <group> to observability:logs.groups"
            )
            continue
        _note_log_group(group, key, result, "log_groups")
        log_groups.append(f"${{logGroupPrefix}}/{group.group}")
    entry: dict[str, Any] = {
        "id": kebab_case(logical_id),
        "name": re.sub(r"[:*]", "-", title).strip() or logical_id,
    }
    if log_groups:
        entry["log_groups"] = log_groups
    entry["query"] = placeholders(properties["QueryString"], source, f"{where}.QueryString")
    if not log_groups:
        result.notes.append(
            f"{where}: names no log group (LogGroupNames is optional): the saved query asks for its "
            "log groups when it is run; add log_groups to its entry to preselect them"
        )
    _validate(SavedQuery, entry, _QUERY_FIELDS)
    return entry


def _validate(model: type[BaseModel], entry: Mapping[str, Any], fields: Mapping[str, str]) -> None:
    """The entry as the loader will read it: each problem named by the template's key."""
    try:
        model.model_validate(entry)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key = fields.get(str(detail["loc"][0]), "") if detail["loc"] else ""
        raise _Problem(key, detail["msg"].removeprefix("Value error, ")) from None


def _log_group(
    value: Any, template: Mapping[str, Any], stack_log_groups: Collection[str], logical_id: str
) -> _LogGroup:
    literal: str | None = value if isinstance(value, str) else None
    hint = logical_id
    if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        hint = value["Ref"]
        target = template["Resources"].get(hint)
        if isinstance(target, Mapping) and target.get("Type") == "AWS::Logs::LogGroup":
            name = (target.get("Properties") or {}).get("LogGroupName")
            literal = name if isinstance(name, str) else None
    if literal is not None:
        match = _CATALOG_GROUP.match(literal)
        group = match["group"] if match else literal.rstrip("/").rsplit("/", 1)[-1]
    else:
        group = kebab_case(resource_key(hint))
    group = re.sub(r"[^.\-_/#A-Za-z0-9]+", "-", group).strip("-") or kebab_case(logical_id)
    return _LogGroup(group, literal, group in stack_log_groups)


def _note_log_group(group: _LogGroup, key: str, result: LogsImport, field_name: str) -> None:
    if group.creates:
        if group.literal is not None and not _CATALOG_GROUP.match(group.literal):
            result.notes.append(f"{key}: {group.literal} became the stacks' own log group '{group.group}'")
        return
    named = group.literal or "its log group"
    result.notes.append(
        f"{key}: {named} is not a log group the stacks create; written as '{group.group}' "
        f"({field_name}). Still to decide: add '{group.group}' to observability:logs.groups in each "
        "Pulumi.<stack>.yaml, or change it to one the stacks create"
    )
