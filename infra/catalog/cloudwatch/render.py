"""Turns the catalog plus one stack's overrides and resources into values for Pulumi resources."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from infra.catalog.cloudwatch import aws_models
from infra.catalog.cloudwatch.cloudformation import (
    cloudformation_problems,
    metric_alarm_properties,
)
from infra.catalog.cloudwatch.expressions import (
    is_metrics_insights_query,
    parse_composite_rule,
)
from infra.catalog.cloudwatch.loader import AlarmCatalog, CatalogAlarm
from infra.catalog.cloudwatch.models import (
    RESULT_ID,
    AnomalyAlarm,
    CompositeAlarm,
    MathAlarm,
    MetricAlarm,
    MetricSource,
    Severity,
    ThresholdAlarm,
)
from infra.catalog.cloudwatch.rendered import (
    RenderedAlarm,
    RenderedCompositeAlarm,
    RenderedMetricAlarm,
)
from infra.catalog.cloudwatch.resolve import SETTINGS_KEY, StackValues, raise_unique
from infra.errors import ProblemCollector

_ANOMALY_METRIC_ID = "metric"
_ANOMALY_BAND_ID = "band"


class AlarmOverrideValues(Protocol):
    """What a stack may change per alarm (``infra.settings.cloudwatch.AlarmOverride``)."""

    @property
    def enabled(self) -> bool: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def period(self) -> int | None: ...
    @property
    def evaluation_periods(self) -> int | None: ...
    @property
    def datapoints_to_alarm(self) -> int | None: ...
    @property
    def severity(self) -> Severity | None: ...


_OVERRIDE_KEYS = {
    "threshold": "threshold",
    "period": "period",
    "evaluation_periods": "evaluationPeriods",
    "datapoints_to_alarm": "datapointsToAlarm",
}


def render_alarms(
    catalog: AlarmCatalog,
    overrides: Mapping[str, AlarmOverrideValues],
    resources: Mapping[str, str],
    source_stack_file: str,
) -> list[RenderedAlarm]:
    """Every enabled alarm of one stack, composites after the alarms they refer to.

    ``overrides`` maps catalog ids to the stack's ``observability:cloudwatch.alarms`` entries;
    ``resources`` is the stack's flattened resource map (``loadBalancer``, ``certificates.api`` ...);
    ``source_stack_file`` (``Pulumi.<stack>.yaml``) is named in problems caused by stack values.
    Raises :class:`DefinitionError` listing every problem.
    """
    problems = ProblemCollector()
    for alarm_id in overrides:
        if alarm_id not in catalog.alarms:
            hint = difflib.get_close_matches(alarm_id, list(catalog.alarms), n=1)
            problems.add(
                source_stack_file,
                f"{SETTINGS_KEY}.alarms.{alarm_id}",
                "is not an alarm id of the catalog (alerts/cloudwatch/)"
                + (f"; did you mean {hint[0]!r}?" if hint else ""),
            )
    context = _Context(resources, source_stack_file, problems, catalog)
    enabled = {i: e for i, e in catalog.alarms.items() if _override(overrides, i, "enabled") is not False}

    rendered: list[RenderedAlarm] = []
    for alarm_id, entry in enabled.items():
        if not isinstance(entry.alarm, CompositeAlarm):
            rendered += context.threshold_alarms(entry, entry.alarm, overrides.get(alarm_id))
    for alarm_id in _composites_in_dependency_order(enabled):
        entry = enabled[alarm_id]
        assert isinstance(entry.alarm, CompositeAlarm)
        for child in entry.alarm.children:
            if child not in enabled:
                problems.add(
                    source_stack_file,
                    f"{SETTINGS_KEY}.alarms.{child}.enabled",
                    f"disables {child}, which composite {alarm_id} ({entry.source}) refers to; "
                    f"disable {alarm_id} as well",
                )
        rendered.append(context.composite(entry, entry.alarm, overrides.get(alarm_id)))
    raise_unique(problems)
    return rendered


def _override(overrides: Mapping[str, AlarmOverrideValues], alarm_id: str, key: str) -> Any:
    override = overrides.get(alarm_id)
    return None if override is None else getattr(override, key)


def _composites_in_dependency_order(alarms: Mapping[str, CatalogAlarm]) -> list[str]:
    ordered: dict[str, None] = {}

    def visit(alarm_id: str, trail: tuple[str, ...]) -> None:
        entry = alarms.get(alarm_id)
        if entry is None or not isinstance(entry.alarm, CompositeAlarm) or alarm_id in ordered:
            return
        if alarm_id in trail:  # reported by the catalog validation; never reached for a loaded catalog
            return
        for child in entry.alarm.children:
            visit(child, (*trail, alarm_id))
        ordered[alarm_id] = None

    for alarm_id in alarms:
        visit(alarm_id, ())
    return list(ordered)


@dataclass
class _Context(StackValues):
    catalog: AlarmCatalog

    def expansions(self, alarm: ThresholdAlarm) -> Iterator[tuple[str, tuple[str, str] | None]]:
        if alarm.for_each is None:
            yield alarm.id, None
            return
        prefix = f"{alarm.for_each}."
        for key, value in self.resources.items():
            if key.startswith(prefix):
                name = key.removeprefix(prefix)
                yield f"{alarm.id}-{name}", (name, value)

    def threshold_alarms(
        self, entry: CatalogAlarm, alarm: ThresholdAlarm, override: AlarmOverrideValues | None
    ) -> list[RenderedMetricAlarm]:
        settings = self._evaluation(entry, alarm, override)
        if settings is None:
            return []
        rendered = []
        for rendered_id, each in self.expansions(alarm):
            known_problems = len(self.problems.problems)
            result = self._threshold_alarm(entry, alarm, rendered_id, each, settings)
            if len(self.problems.problems) == known_problems:  # an unresolved reference says it all
                for message in cloudformation_problems(
                    "AWS::CloudWatch::Alarm", metric_alarm_properties(result)
                ):
                    self.problems.add(entry.source, rendered_id, message)
            rendered.append(result)
        return rendered

    def _evaluation(
        self, entry: CatalogAlarm, alarm: ThresholdAlarm, override: AlarmOverrideValues | None
    ) -> dict[str, Any] | None:
        values: dict[str, Any] = {
            "severity": alarm.severity,
            "threshold": getattr(alarm, "threshold", None),
            "period": alarm.period,
            "evaluation_periods": alarm.evaluation_periods,
            "datapoints_to_alarm": alarm.datapoints_to_alarm,
        }
        if override is None:
            return values
        location = f"{SETTINGS_KEY}.alarms.{alarm.id}"
        ok = True
        if override.severity is not None:
            values["severity"] = override.severity
        for key, yaml_key in _OVERRIDE_KEYS.items():
            value = getattr(override, key)
            if value is None:
                continue
            if key == "threshold" and isinstance(alarm, AnomalyAlarm):
                self.problems.add(
                    self.stack_file,
                    f"{location}.{yaml_key}",
                    f"{alarm.id} is an anomaly-detection alarm ({entry.source}): it has a band, not a threshold",
                )
                ok = False
            values[key] = value
        try:
            aws_models.check_period(values["period"])
            aws_models.check_evaluation(
                values["period"], values["evaluation_periods"], values["datapoints_to_alarm"]
            )
        except ValueError as error:
            self.problems.add(self.stack_file, location, f"{error} (catalog values from {entry.source})")
            ok = False
        return values if ok else None

    def _threshold_alarm(
        self,
        entry: CatalogAlarm,
        alarm: ThresholdAlarm,
        rendered_id: str,
        each: tuple[str, str] | None,
        settings: Mapping[str, Any],
    ) -> RenderedMetricAlarm:
        def resolve(text: str, where: str) -> str:
            return self.resolve(text, entry.source, f"{alarm.id}.{where}", each)

        severity: Severity = settings["severity"]
        description = resolve(alarm.description, "description")
        common: dict[str, Any] = {
            "id": rendered_id,
            "catalog_id": alarm.id,
            "source": entry.source,
            "severity": severity,
            "route": alarm.route_as or severity,
            "description": description,
            "runbook_url": alarm.runbook_url,
            "alarm_description": _alarm_description(description, severity, alarm.runbook_url),
            "kind": alarm.kind,
            "evaluation_periods": settings["evaluation_periods"],
            "datapoints_to_alarm": settings["datapoints_to_alarm"],
            "treat_missing_data": alarm.treat_missing_data,
            "comparison_operator": alarm.comparison_operator,
        }
        period: int = settings["period"]
        if isinstance(alarm, MetricAlarm):
            return RenderedMetricAlarm(
                **common,
                **self._metric(alarm, resolve, ""),
                threshold=settings["threshold"],
                statistic=alarm.statistic,
                extended_statistic=alarm.extended_statistic,
                unit=alarm.unit,
                period=period,
            )
        if isinstance(alarm, MathAlarm):
            queries: list[dict[str, Any]] = [
                {
                    "id": metric_id,
                    "metric": _metric_stat(
                        self._metric(metric, resolve, f"metrics.{metric_id}."),
                        metric.stat,
                        period,
                        metric.unit,
                    ),
                    "return_data": False,
                }
                for metric_id, metric in alarm.metrics.items()
            ]
            expression: dict[str, Any] = {
                "id": RESULT_ID,
                "expression": resolve(alarm.expression, "expression"),
            }
            if alarm.label:
                expression["label"] = alarm.label
            if is_metrics_insights_query(alarm.expression):
                expression["period"] = period
            queries.append({**expression, "return_data": True})
            return RenderedMetricAlarm(
                **common, threshold=settings["threshold"], metric_queries=tuple(queries)
            )
        stat = _metric_stat(self._metric(alarm, resolve, ""), alarm.stat, period, alarm.unit)
        return RenderedMetricAlarm(
            **common,
            threshold_metric_id=_ANOMALY_BAND_ID,
            metric_queries=(
                {"id": _ANOMALY_METRIC_ID, "metric": stat, "return_data": True},
                {
                    "id": _ANOMALY_BAND_ID,
                    "expression": f"ANOMALY_DETECTION_BAND({_ANOMALY_METRIC_ID}, {alarm.band_width:g})",
                    "label": f"{stat['metric_name']} (expected band)",
                    "return_data": True,
                },
            ),
        )

    def _metric(
        self, source: MetricSource, resolve: Callable[[str, str], str], prefix: str
    ) -> dict[str, Any]:
        if source.log_metric is not None:
            entry = self.catalog.metric_filters[source.log_metric]
            namespace = self.resolve(entry.namespace, entry.source, "namespace")
            return {
                "namespace": namespace,
                "metric_name": entry.metric_filter.metric_name,
                "dimensions": None,
            }
        assert source.namespace is not None
        dimensions = {
            name: resolve(value, f"{prefix}dimensions.{name}") for name, value in source.dimensions.items()
        }
        return {
            "namespace": resolve(source.namespace, f"{prefix}namespace"),
            "metric_name": source.metric_name,
            "dimensions": dimensions or None,
        }

    def composite(
        self, entry: CatalogAlarm, alarm: CompositeAlarm, override: AlarmOverrideValues | None
    ) -> RenderedCompositeAlarm:
        severity: Severity = alarm.severity
        if override is not None:
            severity = override.severity or severity
            for key, yaml_key in _OVERRIDE_KEYS.items():
                if getattr(override, key) is not None:
                    self.problems.add(
                        self.stack_file,
                        f"{SETTINGS_KEY}.alarms.{alarm.id}.{yaml_key}",
                        f"{alarm.id} is a composite alarm ({entry.source}): only enabled and severity apply",
                    )
        description = self.resolve(alarm.description, entry.source, f"{alarm.id}.description")
        return RenderedCompositeAlarm(
            id=alarm.id,
            catalog_id=alarm.id,
            source=entry.source,
            severity=severity,
            route=alarm.route_as or severity,
            description=description,
            runbook_url=alarm.runbook_url,
            alarm_description=_alarm_description(description, severity, alarm.runbook_url),
            rule=parse_composite_rule(alarm.rule),
        )


def _metric_stat(metric: Mapping[str, Any], stat: str, period: int, unit: str | None) -> dict[str, Any]:
    result = {k: v for k, v in metric.items() if v is not None}
    result.update(stat=stat, period=period)
    if unit is not None:
        result["unit"] = unit
    return result


def _alarm_description(description: str, severity: Severity, runbook_url: str) -> str:
    return f"{description.strip()}\n\nSeverity: {severity}. Runbook: {runbook_url}"
