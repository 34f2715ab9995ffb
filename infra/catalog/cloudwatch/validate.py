"""Checks that span entries or files: references between alarms, filters and expressions.

Single-field AWS constraints are enforced by the models as a file loads (:mod:`.models`); stack
values are checked when the catalog is rendered (:mod:`.render`), where the stack file is known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from infra.catalog.cloudwatch.expressions import (
    check_reference_syntax,
    is_metrics_insights_query,
    metric_ids_in,
    parse_composite_rule,
)
from infra.catalog.cloudwatch.models import (
    AnomalyAlarm,
    CompositeAlarm,
    MathAlarm,
    MetricAlarm,
    templated_fields,
)
from infra.errors import Problem

if TYPE_CHECKING:
    from infra.catalog.cloudwatch.loader import AlarmCatalog, CatalogAlarm


def validate_catalog(catalog: AlarmCatalog) -> list[Problem]:
    problems: list[Problem] = []
    for alarm_id, entry in catalog.alarms.items():
        problems += [
            Problem(entry.source, f"{alarm_id}.{where}", what)
            for where, what in _entry_problems(catalog, entry)
        ]
    problems += _cycle_problems(catalog)
    namespaces = {catalog.log_metrics_source: catalog.log_metrics_namespace, **catalog.extra_namespaces}
    for source, namespace in namespaces.items():
        try:
            check_reference_syntax(namespace, allow_each=False)
        except ValueError as error:
            problems.append(Problem(source, "namespace", str(error)))
    return problems


def _entry_problems(catalog: AlarmCatalog, entry: CatalogAlarm) -> Iterator[tuple[str, str]]:
    alarm = entry.alarm
    allow_each = not isinstance(alarm, CompositeAlarm) and alarm.for_each is not None
    for where, text in templated_fields(alarm):
        try:
            check_reference_syntax(text, allow_each=allow_each)
        except ValueError as error:
            yield where, str(error)

    if isinstance(alarm, MetricAlarm | AnomalyAlarm) and alarm.log_metric:
        yield from _log_metric_problem(catalog, alarm.log_metric, "log_metric")
    if isinstance(alarm, MathAlarm):
        for metric_id, metric in alarm.metrics.items():
            if metric.log_metric:
                yield from _log_metric_problem(catalog, metric.log_metric, f"metrics.{metric_id}.log_metric")
        if not is_metrics_insights_query(alarm.expression):
            for unknown in [i for i in metric_ids_in(alarm.expression) if i not in alarm.metrics]:
                yield (
                    "expression",
                    (
                        f"refers to metric id {unknown!r}, which is not among its metrics "
                        f"({', '.join(alarm.metrics) or 'none'})"
                    ),
                )
    if isinstance(alarm, CompositeAlarm):
        for child in parse_composite_rule(alarm.rule).children:
            target = catalog.alarms.get(child)
            if target is None:
                yield "rule", f"refers to alarm {child!r}, which no catalog file defines"
            elif child == alarm.id:
                yield "rule", "refers to itself"
            elif not isinstance(target.alarm, CompositeAlarm) and target.alarm.for_each:
                yield (
                    "rule",
                    (
                        f"refers to {child!r}, which expands to one alarm per {target.alarm.for_each} entry; "
                        "a composite rule needs alarms that exist once"
                    ),
                )


def _log_metric_problem(catalog: AlarmCatalog, filter_id: str, where: str) -> Iterator[tuple[str, str]]:
    entry = catalog.metric_filters.get(filter_id)
    if entry is None:
        files = " or ".join([catalog.log_metrics_source, *catalog.extra_namespaces])
        yield where, f"refers to metric filter {filter_id!r}, which {files} does not define"
    elif entry.metric_filter.dimensions:
        # log_metric reads the metric without dimensions, a series the filter never publishes.
        yield (
            where,
            f"refers to metric filter {filter_id!r}, which publishes dimensions "
            f"({', '.join(entry.metric_filter.dimensions)}): use namespace, metric_name and dimensions",
        )


def _cycle_problems(catalog: AlarmCatalog) -> list[Problem]:
    graph = {
        alarm_id: [c for c in entry.alarm.children if c in catalog.alarms and c != alarm_id]
        for alarm_id, entry in catalog.alarms.items()
        if isinstance(entry.alarm, CompositeAlarm)
    }
    problems: list[Problem] = []
    reported: set[str] = set()
    for start in graph:
        path = _find_cycle(graph, start, [])
        if path and start not in reported:
            reported.update(path)
            problems.append(
                Problem(
                    catalog.alarms[start].source,
                    f"{start}.rule",
                    f"composite rules form a cycle: {' -> '.join(path)}",
                )
            )
    return problems


def _find_cycle(graph: Mapping[str, list[str]], node: str, trail: list[str]) -> list[str] | None:
    if node in trail:
        return [*trail[trail.index(node) :], node]
    for child in graph.get(node, []):
        found = _find_cycle(graph, child, [*trail, node])
        if found:
            return found
    return None
