"""The CloudWatch alarm and log-metric catalog (``alerts/cloudwatch/``).

* :func:`load_catalog` reads and validates every file against AWS's own models (botocore's
  CloudWatch API model and CloudFormation's registry schemas, via cfn-lint);
* :func:`render_alarms` / :func:`render_metric_filters` apply one stack's overrides and resources
  and return plain keyword arguments for the Pulumi resources;
* ``python -m infra.catalog.cloudwatch --write-schema`` regenerates ``schemas/cloudwatch-*.schema.json``.
"""

from __future__ import annotations

from infra.catalog.cloudwatch.aws_models import allowed_log_retention_days, check_log_retention_days
from infra.catalog.cloudwatch.cfn_import import import_cfn_alarms
from infra.catalog.cloudwatch.loader import (
    CATALOG_DIR,
    LOG_METRICS_FILE,
    AlarmCatalog,
    CatalogAlarm,
    CatalogMetricFilter,
    load_catalog,
)
from infra.catalog.cloudwatch.models import Severity
from infra.catalog.cloudwatch.render import AlarmOverrideValues, render_alarms
from infra.catalog.cloudwatch.render_filters import render_metric_filters
from infra.catalog.cloudwatch.rendered import (
    RenderedAlarm,
    RenderedCompositeAlarm,
    RenderedMetricAlarm,
    RenderedMetricFilter,
    alarm_name,
    alarm_name_problems,
)

__all__ = [
    "CATALOG_DIR",
    "LOG_METRICS_FILE",
    "AlarmCatalog",
    "AlarmOverrideValues",
    "CatalogAlarm",
    "CatalogMetricFilter",
    "RenderedAlarm",
    "RenderedCompositeAlarm",
    "RenderedMetricAlarm",
    "RenderedMetricFilter",
    "Severity",
    "alarm_name",
    "alarm_name_problems",
    "allowed_log_retention_days",
    "check_log_retention_days",
    "import_cfn_alarms",
    "load_catalog",
    "render_alarms",
    "render_metric_filters",
]
