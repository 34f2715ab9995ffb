"""What the renderer hands to the CloudWatch component: plain values named as Pulumi names them.

``metric_alarm_args()`` / ``composite_alarm_args()`` / ``log_metric_filter_args()`` return keyword
arguments for ``aws.cloudwatch.MetricAlarm`` / ``CompositeAlarm`` / ``LogMetricFilter``. The
component adds what depends on other resources: the name, the actions (SNS topic by ``route``) and
tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from infra.catalog.cloudwatch.expressions import CompositeRule
from infra.catalog.cloudwatch.models import Severity
from infra.errors import Problem


def alarm_name(stack: str, alarm_id: str) -> str:
    """The suggested CloudWatch name of an alarm: ``<stack>-<id>``, unique per account and region."""
    return f"{stack}-{alarm_id}"


def alarm_name_problems(alarms: Sequence[RenderedAlarm], stack: str) -> list[Problem]:
    """Alarms whose generated name CloudWatch would refuse: found at plan time, not halfway an apply."""
    from infra.catalog.cloudwatch.aws_models import alarm_name_max_length

    maximum = alarm_name_max_length()
    problems = []
    for alarm in alarms:
        name = alarm_name(stack, alarm.id)
        if len(name) > maximum:
            problems.append(
                Problem(
                    alarm.source,
                    alarm.id,
                    f"its CloudWatch name {name[:40]}... is {len(name)} characters; CloudWatch allows at "
                    f"most {maximum} (PutMetricAlarm AlarmName): shorten the id"
                    + (" or the for_each keys" if alarm.id != alarm.catalog_id else ""),
                )
            )
    return problems


@dataclass(frozen=True)
class _RenderedAlarmBase:
    id: str
    """Catalog id, or ``<id>-<key>`` for an entry expanded with ``for_each``."""
    catalog_id: str
    """The entry's id in the catalog (what stack overrides name)."""
    source: str
    """Catalog file that defines the entry."""
    severity: Severity
    route: Severity
    """The severity whose notification topic this alarm uses (``route_as`` or its severity)."""
    description: str
    runbook_url: str
    alarm_description: str
    """The description CloudWatch stores and sends: what is wrong, severity and runbook URL."""


@dataclass(frozen=True)
class RenderedMetricAlarm(_RenderedAlarmBase):
    kind: Literal["metric", "math", "anomaly"]
    comparison_operator: str
    evaluation_periods: int
    datapoints_to_alarm: int | None = None
    threshold: float | None = None
    threshold_metric_id: str | None = None
    treat_missing_data: str | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: Mapping[str, str] | None = None
    statistic: str | None = None
    extended_statistic: str | None = None
    unit: str | None = None
    period: int | None = None
    metric_queries: tuple[Mapping[str, Any], ...] | None = None
    """``MetricAlarmMetricQueryArgsDict`` values: id, expression or metric, label, period, return_data."""

    _ARG_NAMES = (
        "comparison_operator",
        "evaluation_periods",
        "datapoints_to_alarm",
        "threshold",
        "threshold_metric_id",
        "treat_missing_data",
        "namespace",
        "metric_name",
        "dimensions",
        "statistic",
        "extended_statistic",
        "unit",
        "period",
        "metric_queries",
    )

    def metric_alarm_args(self) -> dict[str, Any]:
        """Keyword arguments for ``aws.cloudwatch.MetricAlarm`` (without name, actions, tags)."""
        args: dict[str, Any] = {"alarm_description": self.alarm_description}
        for name in self._ARG_NAMES:
            value = getattr(self, name)
            if value is not None:
                args[name] = list(value) if name == "metric_queries" else value
        return args


@dataclass(frozen=True)
class RenderedCompositeAlarm(_RenderedAlarmBase):
    rule: CompositeRule
    kind: Literal["composite"] = "composite"

    @property
    def children(self) -> tuple[str, ...]:
        """Catalog ids the rule refers to; the component resolves them to alarm names."""
        return self.rule.children

    def alarm_rule(self, alarm_names: Mapping[str, str]) -> str:
        return self.rule.with_names(alarm_names)

    def composite_alarm_args(self, alarm_names: Mapping[str, str]) -> dict[str, Any]:
        """Keyword arguments for ``aws.cloudwatch.CompositeAlarm`` (without alarm_name, actions, tags)."""
        return {"alarm_rule": self.alarm_rule(alarm_names), "alarm_description": self.alarm_description}


RenderedAlarm = RenderedMetricAlarm | RenderedCompositeAlarm


@dataclass(frozen=True)
class RenderedMetricFilter:
    id: str
    source: str
    description: str
    log_group_name: str
    pattern: str
    metric_transformation: Mapping[str, Any] = field(default_factory=dict)
    """``LogMetricFilterMetricTransformationArgsDict``: name, namespace, value, default_value, unit,
    dimensions."""

    def log_metric_filter_args(self) -> dict[str, Any]:
        """Keyword arguments for ``aws.cloudwatch.LogMetricFilter`` (without name)."""
        return {
            "log_group_name": self.log_group_name,
            "pattern": self.pattern,
            "metric_transformation": dict(self.metric_transformation),
        }
