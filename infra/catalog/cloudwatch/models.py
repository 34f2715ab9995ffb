"""The CloudWatch catalog files as frozen pydantic models.

``alerts/cloudwatch/*.yaml`` hold alarms (:class:`AlarmFile`), one entry per alarm with a stable id;
``alerts/cloudwatch/log-metrics.yaml`` holds the metric filters that turn log events into metrics
(:class:`LogMetricsFile`). Field names follow CloudWatch's API (``comparison_operator``,
``evaluation_periods`` ...) in snake_case, so the AWS documentation explains every key.

Values AWS constrains are checked against AWS's own models (:mod:`.aws_models`) when a file loads,
and the JSON Schema generated from these models carries the same enums for editor completion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from infra.catalog.cloudwatch import aws_models
from infra.catalog.cloudwatch.expressions import METRIC_ID, is_metrics_insights_query, parse_composite_rule
from infra.catalog.cloudwatch.filter_patterns import check_filter_pattern

Severity = Literal["critical", "warning", "info"]


def _enum(values: Callable[[], tuple[Any, ...]]) -> Callable[[dict[str, Any]], None]:
    # Evaluated when the JSON Schema is generated, so importing the models never loads botocore.
    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = list(values())

    return extra


def _extended_statistic_schema(schema: dict[str, Any]) -> None:
    schema["pattern"] = aws_models.extended_statistic_pattern()


def _period_schema(schema: dict[str, Any]) -> None:
    schema.update(aws_models.alarm_period_schema())


def _check_rule(value: str) -> str:
    parse_composite_rule(value)
    return value


def _check_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


AlarmId = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
        max_length=200,
        description="Stable id: lower-case words joined by '-'. Stack overrides and composite rules use it.",
    ),
]
ComparisonOperator = Annotated[
    str,
    AfterValidator(aws_models.check_comparison_operator),
    Field(json_schema_extra=_enum(aws_models.allowed_comparison_operators)),
]
StaticComparisonOperator = Annotated[
    str,
    AfterValidator(aws_models.check_static_threshold_operator),
    Field(json_schema_extra=_enum(aws_models.static_threshold_operators)),
]
BandComparisonOperator = Annotated[
    str,
    AfterValidator(aws_models.check_band_operator),
    Field(json_schema_extra=_enum(aws_models.anomaly_band_operators)),
]
Statistic = Annotated[
    str,
    AfterValidator(aws_models.check_statistic),
    Field(json_schema_extra=_enum(aws_models.allowed_statistics)),
]
ExtendedStatistic = Annotated[
    str,
    AfterValidator(aws_models.check_extended_statistic),
    Field(json_schema_extra=_extended_statistic_schema),
]
AnyStatistic = Annotated[
    str,
    AfterValidator(aws_models.check_statistic_or_extended),
    Field(description="A statistic (Average, Sum ...) or an extended statistic (p95, tm90 ...)."),
]
Unit = Annotated[
    str, AfterValidator(aws_models.check_unit), Field(json_schema_extra=_enum(aws_models.allowed_units))
]
TreatMissingData = Annotated[
    str,
    AfterValidator(aws_models.check_treat_missing_data),
    Field(json_schema_extra=_enum(aws_models.allowed_treat_missing_data)),
]
Period = Annotated[int, AfterValidator(aws_models.check_period), Field(json_schema_extra=_period_schema)]
RunbookUrl = Annotated[str, AfterValidator(_check_url), Field(json_schema_extra={"format": "uri"})]
Dimensions = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=255)],
        Annotated[str, Field(min_length=1, max_length=1024)],
    ],
    Field(
        max_length=30,
        description="Dimension name -> value. Values may use ${resources.<name>} (stack config).",
    ),
]


class CatalogModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricSource(CatalogModel):
    """Which metric: ``namespace`` + ``metric_name`` (+ ``dimensions``), or a ``log_metric``."""

    namespace: str | None = Field(
        default=None, min_length=1, max_length=255, description="May use ${resources.<name>}."
    )
    metric_name: str | None = Field(default=None, min_length=1, max_length=255)
    dimensions: Dimensions = Field(default_factory=dict)
    log_metric: str | None = Field(
        default=None,
        description="Id of a metric filter in log-metrics.yaml; its namespace and metric name are used.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Any:
        if self.log_metric is not None:
            if self.namespace is not None or self.metric_name is not None or self.dimensions:
                raise ValueError("log_metric names the metric: leave out namespace, metric_name, dimensions")
        elif self.namespace is None or self.metric_name is None:
            raise ValueError("set namespace and metric_name, or log_metric")
        return self


class _AlarmBase(CatalogModel):
    id: AlarmId
    severity: Severity
    description: str = Field(min_length=1, description="What is wrong when this alarm fires.")
    runbook_url: RunbookUrl
    route_as: Severity | None = Field(
        default=None,
        description="Notify the topic of this severity instead of the alarm's own; composite children "
        "use it so that only the composite pages.",
    )


class _Evaluated(_AlarmBase):
    period: Period = Field(description="Seconds per datapoint: 10, 30, 60 or a multiple of 60.")
    evaluation_periods: int = Field(ge=1)
    datapoints_to_alarm: int | None = Field(
        default=None, ge=1, description="M of an 'M out of N' alarm; defaults to evaluation_periods."
    )
    treat_missing_data: TreatMissingData | None = None
    for_each: str | None = Field(
        default=None,
        pattern=r"^[a-z][A-Za-z0-9]*$",
        description="A map in the stack's resources (e.g. certificates): one alarm per entry, with id "
        "<id>-<key>; ${each.key} and ${each.value} refer to the entry.",
    )

    @model_validator(mode="after")
    def _evaluation_fits(self) -> Any:
        aws_models.check_evaluation(self.period, self.evaluation_periods, self.datapoints_to_alarm)
        return self


class MetricAlarm(_Evaluated, MetricSource):
    """A static threshold on one metric."""

    kind: Literal["metric"]
    statistic: Statistic | None = None
    extended_statistic: ExtendedStatistic | None = None
    unit: Unit | None = None
    threshold: float
    comparison_operator: StaticComparisonOperator

    @model_validator(mode="after")
    def _one_statistic(self) -> MetricAlarm:
        if (self.statistic is None) == (self.extended_statistic is None):
            raise ValueError("set exactly one of statistic or extended_statistic")
        return self


class MathMetric(MetricSource):
    """A metric a math expression reads; its period is the alarm's."""

    stat: AnyStatistic
    unit: Unit | None = None


class MathAlarm(_Evaluated):
    """A static threshold on a metric-math expression or a Metrics Insights query."""

    kind: Literal["math"]
    metrics: dict[Annotated[str, Field(pattern=METRIC_ID.pattern, max_length=255)], MathMetric] = Field(
        default_factory=dict, description="Metric id (used in expression) -> metric."
    )
    expression: str = Field(
        min_length=1,
        max_length=2048,
        description="Metric math over the metric ids, or a Metrics Insights query (SELECT ...). "
        "May use ${resources.<name>}.",
    )
    label: str | None = None
    threshold: float
    comparison_operator: StaticComparisonOperator

    @model_validator(mode="after")
    def _expression_shape(self) -> MathAlarm:
        if is_metrics_insights_query(self.expression) and self.metrics:
            raise ValueError("a Metrics Insights query reads its own metrics: leave out metrics")
        if not is_metrics_insights_query(self.expression) and not self.metrics:
            raise ValueError("a math expression needs metrics to compute on")
        if RESULT_ID in self.metrics:
            raise ValueError(f"metric id {RESULT_ID!r} is reserved for the expression")
        return self


RESULT_ID = "result"
"""The metric query id the renderer gives a math alarm's expression."""


class AnomalyAlarm(_Evaluated, MetricSource):
    """Alarms when a metric leaves the band CloudWatch's anomaly-detection model expects."""

    kind: Literal["anomaly"]
    stat: AnyStatistic
    unit: Unit | None = None
    band_width: float = Field(default=2.0, gt=0, description="Band width in standard deviations.")
    comparison_operator: BandComparisonOperator = "LessThanLowerOrGreaterThanUpperThreshold"


class CompositeAlarm(_AlarmBase):
    """Combines other catalog alarms: ``ALARM(<id>) AND ALARM(<id>)``; OK(), INSUFFICIENT_DATA(), NOT, OR."""

    kind: Literal["composite"]
    rule: Annotated[str, AfterValidator(_check_rule)] = Field(min_length=1, max_length=10240)

    @property
    def children(self) -> tuple[str, ...]:
        return parse_composite_rule(self.rule).children


Alarm = Annotated[MetricAlarm | MathAlarm | AnomalyAlarm | CompositeAlarm, Field(discriminator="kind")]
ThresholdAlarm = MetricAlarm | MathAlarm | AnomalyAlarm


class AlarmFile(CatalogModel):
    """One ``alerts/cloudwatch/<area>.yaml`` file."""

    model_config = ConfigDict(title="CloudWatch alarm catalog file")
    alarms: list[Alarm]


class MetricFilter(CatalogModel):
    """Turns matching log events of one log group into a metric in the file's namespace."""

    id: AlarmId
    log_group: str = Field(
        pattern=r"^[.\-_/#A-Za-z0-9]+$",
        description="Log group name after the stack's prefix, e.g. 'application' -> "
        "/aws/eks/metrics-<stack>/application.",
    )
    pattern: Annotated[str, AfterValidator(check_filter_pattern)] = Field(
        max_length=1024,
        description="CloudWatch Logs filter pattern (terms, { JSON } or [ space-delimited ]).",
    )
    metric_name: str = Field(min_length=1, max_length=255, pattern=r"^[^:*$]+$")
    value: str = Field(default="1", min_length=1, max_length=100, description="Metric value per match.")
    default_value: float | None = Field(
        default=None, description="Emitted for log events that do not match; leave unset for sparse counts."
    )
    unit: Unit | None = None
    dimensions: dict[
        Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^:]")],
        Annotated[str, Field(min_length=2, max_length=255, pattern=r"^\$")],
    ] = Field(
        default_factory=dict,
        max_length=3,
        description="Dimension name -> log field ($.route in a JSON pattern, $status in a space-delimited "
        "one). Each value is a custom metric: never a high-cardinality field (ids, IP addresses).",
    )
    description: str = Field(min_length=1)

    @model_validator(mode="after")
    def _default_without_dimensions(self) -> MetricFilter:
        # PutMetricFilter refuses a default value on a metric with dimensions.
        if self.dimensions and self.default_value is not None:
            raise ValueError("a filter with dimensions cannot have a default_value: leave it out")
        return self


class LogMetricsFile(CatalogModel):
    """``alerts/cloudwatch/log-metrics.yaml``, or ``<name>.log-metrics.yaml`` (filters in another namespace)."""

    model_config = ConfigDict(title="CloudWatch log metric filter catalog")
    namespace: str = Field(
        min_length=1,
        max_length=255,
        description="Namespace of every log metric. May use ${resources.<name>}.",
    )
    filters: list[MetricFilter]


def templated_fields(alarm: ThresholdAlarm | CompositeAlarm) -> Iterator[tuple[str, str]]:
    """(key path, text) of every field that may hold ``${...}`` references."""
    yield "description", alarm.description
    if isinstance(alarm, MathAlarm):
        yield "expression", alarm.expression
        for metric_id, metric in alarm.metrics.items():
            yield from _source_fields(metric, f"metrics.{metric_id}.")
    elif isinstance(alarm, MetricAlarm | AnomalyAlarm):
        yield from _source_fields(alarm, "")


def _source_fields(source: MetricSource, prefix: str) -> Iterator[tuple[str, str]]:
    if source.namespace is not None:
        yield f"{prefix}namespace", source.namespace
    for name, value in source.dimensions.items():
        yield f"{prefix}dimensions.{name}", value
