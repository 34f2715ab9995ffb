"""Loading ``metrics/*.yaml``: strict YAML, the model, then the checks across files.

Names are unique across the whole catalog: catalog names, Prometheus series (a gauge named like a
histogram's ``_count`` would collide), DogStatsD names with their derived forms, CloudWatch
(namespace, metric name) pairs. Every problem names the file and the key
(``gateway.requests.prometheus.name``); a catalog with any problem registers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.catalog.definition_files import mapping_documents, yaml_files
from infra.catalog.metrics.model import Metric, MetricsFile
from infra.errors import Problem, ProblemCollector

METRICS_DIR = "metrics"
METRICS_SCHEMA = "schemas/metrics.schema.json"
_KEYED = re.compile(r"^((?:prometheus|datadog|cloudwatch|labels)(?:\.[a-z_]+)*): (.*)$", re.DOTALL)
_FILE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CatalogMetric:
    metric: Metric
    service: str
    source: str
    prometheus_job: str | None = None


@dataclass(frozen=True)
class MetricsCatalog:
    metrics: tuple[CatalogMetric, ...]

    def by_name(self) -> dict[str, CatalogMetric]:
        return {entry.metric.name: entry for entry in self.metrics}

    def prometheus_series(self) -> dict[str, CatalogMetric]:
        """Every Prometheus series name the catalogued services expose -> its metric."""
        return {series: entry for entry in self.metrics for series in entry.metric.prometheus_series()}

    def datadog_names(self) -> dict[str, CatalogMetric]:
        """Every metric name Datadog holds for the catalogued services (derived forms included)."""
        return {name: entry for entry in self.metrics for name in entry.metric.datadog_names()}


def metric_files(root: Path) -> list[Path]:
    return yaml_files(root / METRICS_DIR)


def load_metrics(root: Path) -> MetricsCatalog:
    """The catalog under ``root/metrics`` (empty without the folder); one DefinitionError lists every problem."""
    problems = ProblemCollector()
    found: list[CatalogMetric] = []
    for source, document in mapping_documents(
        root,
        METRICS_DIR,
        problems,
        file_name=_FILE_NAME,
        name_rule="the file name is lower-case words joined by '-' (the service's, e.g. gateway)",
        shape="must be one YAML mapping with 'service' and a 'metrics' list",
    ):
        try:
            parsed = MetricsFile.model_validate(document)
        except ValidationError as error:
            problems.problems.extend(_validation_problems(source, document, error))
            continue
        found += [CatalogMetric(m, parsed.service, source, parsed.prometheus_job) for m in parsed.metrics]
    problems.problems.extend(_duplicates(found))
    problems.raise_if_any()
    return MetricsCatalog(tuple(found))


def _duplicates(found: list[CatalogMetric]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str], CatalogMetric] = {}

    def claim(kind: str, key: str, entry: CatalogMetric, where: str, what: str) -> None:
        first = seen.setdefault((kind, key), entry)
        if first is not entry:
            problems.append(
                Problem(
                    entry.source,
                    f"{entry.metric.name}{where}",
                    f"{what} {key!r} is also {first.metric.name}'s ({first.source})",
                )
            )

    for entry in found:
        metric = entry.metric
        if ("name", metric.name) in seen:
            first = seen[("name", metric.name)]
            problems.append(
                Problem(entry.source, metric.name, f"name is used by another metric ({first.source})")
            )
            continue
        seen[("name", metric.name)] = entry
        for series in metric.prometheus_series():
            claim("prometheus", series, entry, ".prometheus.name", "Prometheus series")
        for name in metric.datadog_names():
            claim("datadog", name, entry, ".datadog.name", "Datadog metric")
        if metric.cloudwatch is not None:
            key = f"{metric.cloudwatch.namespace} {metric.cloudwatch.metric_name}"
            claim("cloudwatch", key, entry, ".cloudwatch.metric_name", "CloudWatch metric")
    return problems


def _validation_problems(source: str, document: Mapping[str, Any], error: ValidationError) -> list[Problem]:
    listed = document.get("metrics")
    entries: list[Any] = listed if isinstance(listed, list) else []
    problems = []
    for detail in error.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        if len(loc) >= 2 and loc[0] == "metrics" and loc[1].isdigit():
            entry = entries[int(loc[1])] if int(loc[1]) < len(entries) else None
            label = entry.get("name") if isinstance(entry, dict) else None
            loc = [label if isinstance(label, str) else f"metrics[{loc[1]}]", *loc[2:]]
        # A label's name is checked as a dictionary key: pydantic adds "[key]" to the location.
        loc = [part for part in loc if part != "[key]"]
        message = detail["msg"].removeprefix("Value error, ")
        # A check across a metric's keys says which key it refuses: "prometheus.name: ...".
        keyed = _KEYED.match(message) if detail["type"] == "value_error" else None
        if keyed:
            loc, message = [*loc, keyed[1]], keyed[2]
        if detail["type"] == "missing":
            message = "is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a known key"
        problems.append(Problem(source, ".".join(loc), message))
    return problems
