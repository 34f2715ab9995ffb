"""The application metrics catalog: ``metrics/<service>.yaml`` (no Pulumi)."""

from infra.catalog.metrics.loader import (
    METRICS_DIR,
    METRICS_SCHEMA,
    CatalogMetric,
    MetricsCatalog,
    load_metrics,
    metric_files,
)
from infra.catalog.metrics.model import Metric, MetricsFile

__all__ = [
    "METRICS_DIR",
    "METRICS_SCHEMA",
    "CatalogMetric",
    "Metric",
    "MetricsCatalog",
    "MetricsFile",
    "load_metrics",
    "metric_files",
]
