"""Renders the metric filter catalog for one stack."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from infra.catalog.cloudwatch.cloudformation import cloudformation_problems, metric_filter_properties
from infra.catalog.cloudwatch.loader import AlarmCatalog
from infra.catalog.cloudwatch.rendered import RenderedMetricFilter
from infra.catalog.cloudwatch.resolve import StackValues, raise_unique
from infra.errors import ProblemCollector


def render_metric_filters(
    catalog: AlarmCatalog,
    *,
    log_group_prefix: str,
    resources: Mapping[str, str],
    source_stack_file: str,
    log_groups: Collection[str] | None = None,
) -> list[RenderedMetricFilter]:
    """Every metric filter, on log group ``<log_group_prefix>/<log_group>``.

    With ``log_groups`` (the suffixes the stack creates), a filter on any other group is a problem.
    """
    problems = ProblemCollector()
    context = StackValues(resources, source_stack_file, problems)
    rendered = []
    for filter_id, entry in catalog.metric_filters.items():
        spec = entry.metric_filter
        where = f"{filter_id}.log_group"
        if log_groups is not None and spec.log_group not in log_groups:
            problems.add(
                entry.source,
                where,
                f"{spec.log_group!r} is not a log group stack {source_stack_file} creates "
                f"({', '.join(log_groups)})",
            )
        known_problems = len(problems.problems)
        namespace = context.resolve(entry.namespace, entry.source, "namespace")
        transformation: dict[str, Any] = {
            "name": spec.metric_name,
            "namespace": namespace,
            "value": spec.value,
        }
        if spec.default_value is not None:
            transformation["default_value"] = f"{spec.default_value:g}"
        if spec.unit is not None:
            transformation["unit"] = spec.unit
        if spec.dimensions:
            transformation["dimensions"] = dict(spec.dimensions)
        result = RenderedMetricFilter(
            id=filter_id,
            source=entry.source,
            description=spec.description,
            log_group_name=f"{log_group_prefix.rstrip('/')}/{spec.log_group}",
            pattern=spec.pattern,
            metric_transformation=transformation,
        )
        if len(problems.problems) == known_problems:
            for message in cloudformation_problems(
                "AWS::Logs::MetricFilter", metric_filter_properties(result)
            ):
                problems.add(entry.source, filter_id, message)
        rendered.append(result)
    raise_unique(problems)
    return rendered
