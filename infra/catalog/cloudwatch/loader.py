"""Reads ``alerts/cloudwatch/`` into an :class:`AlarmCatalog`, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from infra.catalog.cloudwatch.models import (
    Alarm,
    CompositeAlarm,
    LogMetricsFile,
    MetricFilter,
    ThresholdAlarm,
)
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError, ProblemCollector

CATALOG_DIR = Path("alerts") / "cloudwatch"
LOG_METRICS_FILE = "log-metrics.yaml"
"""The metric filter catalog; every other ``*.yaml`` in :data:`CATALOG_DIR` holds alarms."""
LOG_METRICS_SUFFIX = ".log-metrics.yaml"
"""``<name>.log-metrics.yaml``: more metric filters, with a namespace of their own (imported ones)."""


_ALARM = TypeAdapter[Any](Alarm)


@dataclass(frozen=True)
class CatalogAlarm:
    alarm: ThresholdAlarm | CompositeAlarm
    source: str
    """Repository-relative path of the file that defines it."""


@dataclass(frozen=True)
class CatalogMetricFilter:
    metric_filter: MetricFilter
    source: str
    namespace: str = ""
    """The namespace of its file (may hold ``${resources...}`` references)."""


@dataclass(frozen=True)
class AlarmCatalog:
    alarms: Mapping[str, CatalogAlarm]
    """By id, in file-name then file order."""
    metric_filters: Mapping[str, CatalogMetricFilter]
    """By id, in file order."""
    log_metrics_namespace: str
    """Namespace of every log metric (may hold ``${resources...}`` references)."""
    log_metrics_source: str
    extra_namespaces: Mapping[str, str] = field(default_factory=dict)
    """Source -> namespace of each ``<name>.log-metrics.yaml``."""


def load_catalog(root: Path) -> AlarmCatalog:
    """Loads and validates the catalog under ``root / alerts/cloudwatch``.

    ``root`` is the repository root; problems name files relative to it. Raises
    :class:`DefinitionError` listing every problem found (YAML, model, AWS constraint, reference).
    """
    from infra.catalog.cloudwatch.validate import validate_catalog

    problems = ProblemCollector()
    directory = root / CATALOG_DIR
    alarms: dict[str, CatalogAlarm] = {}
    filters: dict[str, CatalogMetricFilter] = {}
    namespace = ""
    filters_source = _relative(directory / LOG_METRICS_FILE, root)
    log_metrics = directory / LOG_METRICS_FILE
    if log_metrics.exists() or log_metrics.is_symlink():  # a FIFO or a dangling link is refused, not skipped
        namespace = _load_log_metrics(log_metrics, filters_source, filters, problems, root)
    elif not (directory.is_dir()):
        problems.add(_relative(directory, root), "", "the CloudWatch catalog directory does not exist")

    extra_namespaces: dict[str, str] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        source = _relative(path, root)
        if path.name.endswith(LOG_METRICS_SUFFIX):
            extra_namespaces[source] = _load_log_metrics(path, source, filters, problems, root)
        elif path.name != LOG_METRICS_FILE:
            _load_alarm_file(path, source, alarms, problems, root)

    catalog = AlarmCatalog(alarms, filters, namespace, filters_source, extra_namespaces)
    problems.problems.extend(validate_catalog(catalog))
    problems.raise_if_any()
    return catalog


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read_single_mapping(
    path: Path, source: str, key: str, problems: ProblemCollector, root: Path
) -> Mapping[str, Any] | None:
    try:
        documents = load_documents(read_text(path, source, inside=root), source)
    except DefinitionError as error:
        problems.extend(error)
        return None
    if len(documents) != 1 or not isinstance(documents[0], dict) or key not in documents[0]:
        problems.add(source, "", f"must be one YAML mapping with a top-level {key!r} key")
        return None
    body: dict[str, Any] = documents[0]
    return body


def _load_alarm_file(
    path: Path, source: str, alarms: dict[str, CatalogAlarm], problems: ProblemCollector, root: Path
) -> None:
    body = _read_single_mapping(path, source, "alarms", problems, root)
    if body is None:
        return
    for key in sorted(set(body) - {"alarms"}, key=str):
        problems.add(source, key, "is not a key of an alarm file (only 'alarms')")
    entries = body["alarms"]
    if not isinstance(entries, list):
        problems.add(source, "alarms", "must be a list of alarm entries")
        return
    for index, entry in enumerate(entries):
        label = _entry_label(entry, "alarms", index)
        try:
            alarm = _ALARM.validate_python(entry)
        except ValidationError as error:
            _add_validation_problems(problems, source, label, error, strip_tag=True)
            continue
        if alarm.id in alarms:
            problems.add(source, alarm.id, f"id is already used in {alarms[alarm.id].source}")
            continue
        alarms[alarm.id] = CatalogAlarm(alarm, source)


def _load_log_metrics(
    path: Path, source: str, filters: dict[str, CatalogMetricFilter], problems: ProblemCollector, root: Path
) -> str:
    body = _read_single_mapping(path, source, "filters", problems, root)
    if body is None:
        return ""
    entries = body.get("filters")
    head = {k: v for k, v in body.items() if k != "filters"}
    try:
        namespace = LogMetricsFile.model_validate({**head, "filters": []}).namespace
    except ValidationError as error:
        _add_validation_problems(problems, source, "", error, strip_tag=False)
        namespace = ""
    if not isinstance(entries, list):
        problems.add(source, "filters", "must be a list of metric filters")
        return namespace
    for index, entry in enumerate(entries):
        label = _entry_label(entry, "filters", index)
        try:
            metric_filter = MetricFilter.model_validate(entry)
        except ValidationError as error:
            _add_validation_problems(problems, source, label, error, strip_tag=False)
            continue
        if metric_filter.id in filters:
            other = filters[metric_filter.id].source
            where = "this file" if other == source else other
            problems.add(source, metric_filter.id, f"id is used by another filter in {where}")
            continue
        filters[metric_filter.id] = CatalogMetricFilter(metric_filter, source, namespace)
    return namespace


def _entry_label(entry: Any, list_key: str, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        return str(entry["id"])
    return f"{list_key}[{index}]"


def _add_validation_problems(
    problems: ProblemCollector, source: str, label: str, error: ValidationError, *, strip_tag: bool
) -> None:
    for detail in error.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        if strip_tag and loc:
            loc = loc[1:]  # the discriminated union puts the kind first
        location = ".".join(part for part in [label, *loc] if part)
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = "is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a known key"
        elif detail["type"] == "union_tag_invalid":
            message = f"kind must be one of metric, math, anomaly, composite (got {detail['input']!r})"
        elif detail["type"] == "union_tag_not_found":
            message = "needs a kind: metric, math, anomaly or composite"
        problems.add(source, location, message)
