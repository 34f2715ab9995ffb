"""The application metrics catalog's model: one ``metrics/<service>.yaml`` file per producer.

A metric is declared once, by what it measures (name, type, unit, labels, help), with how it reaches
each backend: the Prometheus name it is exposed as, the DogStatsD name it is sent as, the CloudWatch
namespace and dimensions it is published under (embedded metric format or the CloudWatch agent).
The series each backend then holds are derived here, never typed: a histogram's ``_bucket``,
``_sum`` and ``_count`` in Prometheus, its ``.avg``, ``.95percentile``... in Datadog.

Every check names the key it refuses and says what is allowed; the rules come from the backends'
own documentation (Prometheus' data model, DogStatsD's metric names) and, for CloudWatch, from
botocore's published model.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from infra.catalog.cloudwatch.aws_models import cloudwatch_shape
from infra.catalog.cloudwatch.dashboards import unknown_placeholder_messages

METRIC_TYPES = ("counter", "gauge", "histogram", "summary")
MetricType = Literal["counter", "gauge", "histogram", "summary"]

UNITS: dict[str, str] = {
    "seconds": "Seconds",
    "milliseconds": "Milliseconds",
    "microseconds": "Microseconds",
    "bytes": "Bytes",
    "ratio": "None",
    "percent": "Percent",
    "count": "Count",
    "requests": "Count",
    "connections": "Count",
    "events": "Count",
    "errors": "Count",
    "users": "Count",
    "score": "None",
    "boolean": "None",
}
"""The catalog's units, each with the CloudWatch ``StandardUnit`` it is published with."""
Unit = Literal[
    "seconds",
    "milliseconds",
    "microseconds",
    "bytes",
    "ratio",
    "percent",
    "count",
    "requests",
    "connections",
    "events",
    "errors",
    "users",
    "score",
    "boolean",
]

NAMING_UNITS = ("seconds", "bytes", "ratio")
"""Prometheus' naming practice: a metric in one of these base units says so in its name."""

CATALOG_NAME = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
PROMETHEUS_METRIC = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
"""Prometheus' data model: metric names (colons are reserved for recording rules)."""
PROMETHEUS_LABEL = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
"""Prometheus' data model: label names (``__`` at the start is reserved for internal use)."""
STATSD_NAME = r"^[a-zA-Z][a-zA-Z0-9_.]*$"
"""DogStatsD / Datadog metric names: a letter, then letters, digits, underscores and periods."""
STATSD_MAX = 200
SCRAPE_LABELS = ("job", "instance")
"""Labels Prometheus' scrape adds to every series: queries may use them, the catalog never declares them."""
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
DATADOG_TIMER_FORMS = (".avg", ".95percentile", ".count", ".max", ".median")
"""What DogStatsD's default ``histogram_aggregates`` and ``histogram_percentiles`` send for a
histogram or timer."""
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _check(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {what} ({pattern})")
        return value

    return AfterValidator(check)


def check_prometheus_metric_name(value: str) -> str:
    if not re.match(PROMETHEUS_METRIC, value):
        raise ValueError(f"{value!r} is not a Prometheus metric name ({PROMETHEUS_METRIC})")
    if ":" in value:
        raise ValueError(
            f"{value!r}: colons are reserved for recording rules, an application never uses them"
        )
    return value


def check_label_name(value: str) -> str:
    if not re.match(PROMETHEUS_LABEL, value):
        raise ValueError(f"{value!r} is not a Prometheus label name ({PROMETHEUS_LABEL})")
    if value.startswith("__"):
        raise ValueError(f"{value!r}: label names starting with '__' are reserved for Prometheus' own use")
    if value in SCRAPE_LABELS:
        raise ValueError(f"{value!r} is added by Prometheus' scrape to every series: do not declare it")
    return value


def _aws_string(shape: str, what: str, *, placeholders: bool = False) -> AfterValidator:
    """A string as botocore's CloudWatch model constrains it (length, pattern); ASCII, no control
    characters, some non-whitespace, as the shape's documentation says."""

    def check(value: str) -> str:
        model = cloudwatch_shape(shape)
        if placeholders:
            messages = unknown_placeholder_messages(value)
            if messages:
                raise ValueError(messages[0])
        text = _PLACEHOLDER.sub("x", value) if placeholders else value
        low, high = int(model.get("min", 0)), int(model.get("max", 1 << 30))
        if not low <= len(text) <= high:
            raise ValueError(f"{value!r}: a CloudWatch {what} has {low} to {high} characters")
        pattern = model.get("pattern")
        if pattern and not re.fullmatch(pattern, text):
            raise ValueError(f"{value!r} is not a CloudWatch {what} (botocore's pattern {pattern})")
        if not text.isascii() or any(ord(c) < 32 or ord(c) == 127 for c in text) or not text.strip():
            raise ValueError(
                f"{value!r}: a CloudWatch {what} is ASCII, without control characters, not only spaces"
            )
        if text.startswith(":"):
            raise ValueError(f"{value!r}: a CloudWatch {what} does not start with ':'")
        return value

    return AfterValidator(check)


def _check_namespace(value: str) -> str:
    if value.startswith("AWS/"):
        raise ValueError(f"{value!r}: namespaces starting with AWS/ are AWS's own services'")
    return value


LabelName = Annotated[
    str, AfterValidator(check_label_name), Field(json_schema_extra={"pattern": PROMETHEUS_LABEL})
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PrometheusExposition(_Model):
    """How the metric is exposed on the service's ``/metrics`` endpoint."""

    name: Annotated[str, AfterValidator(check_prometheus_metric_name)] = Field(
        json_schema_extra={"pattern": PROMETHEUS_METRIC},
        description="The exposed name: a counter's ends in _total; a histogram's or summary's is the base "
        "name, without _bucket/_sum/_count (the catalog derives the series).",
    )


class DatadogSubmission(_Model):
    """How the metric reaches Datadog through DogStatsD (tags: the metric's labels)."""

    name: Annotated[str, _check(STATSD_NAME, "a DogStatsD metric name")] = Field(
        max_length=STATSD_MAX,
        json_schema_extra={"pattern": STATSD_NAME},
        description="The submitted name, e.g. app.requests.total; a histogram's also reaches Datadog as "
        "<name>.avg, .95percentile, .count, .max and .median.",
    )


class CloudWatchPublication(_Model):
    """How the metric is published to CloudWatch."""

    via: Literal["emf", "agent"] = Field(
        description="emf: the service logs it in the embedded metric format; agent: the CloudWatch agent "
        "collects it."
    )
    namespace: Annotated[
        str, _aws_string("Namespace", "namespace", placeholders=True), AfterValidator(_check_namespace)
    ] = Field(
        description="Custom namespace (not AWS/...); may be ${resources.<key>}, e.g. the agent namespace."
    )
    metric_name: Annotated[str, _aws_string("MetricName", "metric name")]
    dimensions: list[Annotated[str, _aws_string("DimensionName", "dimension name")]] = Field(
        default_factory=list,
        max_length=30,
        description="Dimension names, each one of the metric's labels (CloudWatch allows 30).",
    )


class Metric(_Model):
    """One metric a service emits."""

    name: Annotated[str, _check(CATALOG_NAME, "a catalog name: lower-case words joined by '.'")] = Field(
        json_schema_extra={"pattern": CATALOG_NAME},
        max_length=200,
        description="Unique catalog name, e.g. gateway.requests or app.latency.",
    )
    type: MetricType
    unit: Unit = Field(description="What one unit of the value is: " + ", ".join(UNITS) + ".")
    help: str = Field(min_length=1, max_length=500, description="One line: what it measures.")
    labels: dict[LabelName, Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=dict,
        description="Label (tag, dimension) name -> what it holds. Not le, quantile, job or instance.",
    )
    prometheus: PrometheusExposition | None = None
    datadog: DatadogSubmission | None = None
    cloudwatch: CloudWatchPublication | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Metric:
        if self.prometheus is None and self.datadog is None and self.cloudwatch is None:
            raise ValueError("names no backend: give at least one of prometheus, datadog, cloudwatch")
        reserved = {"histogram": "le", "summary": "quantile"}.get(self.type)
        if reserved in self.labels:
            raise ValueError(f"labels: {reserved!r} is part of every {self.type} series: do not declare it")
        if self.cloudwatch is not None:
            for dimension in self.cloudwatch.dimensions:
                if dimension not in self.labels:
                    raise ValueError(
                        f"cloudwatch.dimensions: {dimension!r} is not one of the metric's labels"
                    )
        if self.prometheus is not None:
            self._check_prometheus_name(self.prometheus.name)
        return self

    def _check_prometheus_name(self, name: str) -> None:
        if self.type == "counter" and not name.endswith("_total"):
            raise ValueError(f"prometheus.name: {name!r} is a counter: its name ends in _total")
        if self.type in ("histogram", "summary") and name.endswith(HISTOGRAM_SUFFIXES):
            raise ValueError(
                f"prometheus.name: {name!r}: give the {self.type}'s base name, the series "
                f"({', '.join(HISTOGRAM_SUFFIXES)}) are derived from it"
            )
        if self.unit in NAMING_UNITS and f"_{self.unit}" not in name:
            raise ValueError(f"prometheus.name: {name!r} is in {self.unit}: its name says _{self.unit}")

    def prometheus_series(self) -> tuple[str, ...]:
        """The series names Prometheus holds for it (empty when it is not exposed there)."""
        if self.prometheus is None:
            return ()
        name = self.prometheus.name
        if self.type == "histogram":
            return tuple(name + suffix for suffix in HISTOGRAM_SUFFIXES)
        if self.type == "summary":
            return (name, f"{name}_sum", f"{name}_count")
        return (name,)

    def series_labels(self, series: str) -> frozenset[str]:
        """The labels one of its Prometheus series carries (``le`` on buckets, ``quantile`` on a summary)."""
        labels = set(self.labels)
        if self.type == "histogram" and series.endswith("_bucket"):
            labels.add("le")
        if self.type == "summary" and self.prometheus is not None and series == self.prometheus.name:
            labels.add("quantile")
        return frozenset(labels)

    def datadog_names(self) -> tuple[str, ...]:
        """The names Datadog holds for it: a histogram's or summary's derived forms, else the name."""
        if self.datadog is None:
            return ()
        name = self.datadog.name
        if self.type in ("histogram", "summary"):
            return tuple(name + form for form in DATADOG_TIMER_FORMS)
        return (name,)

    @property
    def cloudwatch_unit(self) -> str:
        """The CloudWatch ``StandardUnit`` it is published with."""
        return UNITS[self.unit]


class MetricsFile(_Model):
    """One ``metrics/<service>.yaml`` file: the metrics one service (or agent) emits."""

    model_config = ConfigDict(title="Application metrics catalog")
    service: Annotated[str, _check(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "a service name")] = Field(
        description="Who emits these metrics: lower-case words joined by '-', e.g. gateway."
    )
    description: str | None = Field(default=None, max_length=500)
    prometheus_job: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="The scrape job the service's series carry (job=...), when Prometheus scrapes it.",
    )
    metrics: list[Metric] = Field(min_length=1)
