"""Every catalog of one stack, loaded, validated and rendered before any resource is registered.

An invalid file anywhere stops the whole program with one message per problem, so a broken
definition never half-deploys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from infra.catalog import cloudwatch, dashboards, datadog
from infra.catalog.cloudwatch.dashboards import RenderedDashboard, load_dashboards, render_dashboards
from infra.catalog.cloudwatch.queries import RenderedQuery, load_queries, render_queries
from infra.catalog.inventory import unread_files
from infra.catalog.metrics import MetricsCatalog, load_metrics
from infra.config import Settings
from infra.errors import DefinitionError, Problem, ProblemCollector
from infra.kubernetes.catalog import MonitoringDefinitions, load_monitoring_definitions

T = TypeVar("T")


@dataclass(frozen=True)
class Definitions:
    alarms: list[cloudwatch.RenderedAlarm]
    metric_filters: list[cloudwatch.RenderedMetricFilter]
    datadog_monitors: list[datadog.RenderedMonitor]
    datadog_pipelines: list[datadog.RenderedPipeline]
    dashboards: dashboards.DashboardCatalog | None
    monitoring: MonitoringDefinitions | None = None
    """Prometheus rules and Alertmanager config, for a stack with ``observability:monitoringCluster``."""
    cloudwatch_dashboards: list[RenderedDashboard] = field(default_factory=list)
    cloudwatch_queries: list[RenderedQuery] = field(default_factory=list)
    metrics: MetricsCatalog = field(default_factory=lambda: MetricsCatalog(()))
    """The application metrics catalog (``metrics/``): checked every plan, nothing registered from it."""

    @property
    def warnings(self) -> list[Problem]:
        """Findings that do not stop a deployment (overlapping panels, deprecated panel types, an
        Alertmanager receiver no route names...)."""
        found = list(self.dashboards.warnings) if self.dashboards is not None else []
        if self.monitoring is not None:
            found += self.monitoring.alertmanager.warnings
        return found


def definitions_root(settings: Settings) -> Path:
    """``dashboards/`` and ``alerts/`` live here: the project directory unless config says otherwise."""
    return Path(settings.definitions_dir) if settings.definitions_dir else Path.cwd()


def load_definitions(settings: Settings) -> Definitions:
    root = definitions_root(settings)
    problems = ProblemCollector()
    problems.problems.extend(unread_files(root))

    def collected(load: Callable[[], T], empty: T) -> T:
        """``load()``, or ``empty`` with its problems kept: every catalog is checked in one run."""
        try:
            return load()
        except DefinitionError as error:
            problems.extend(error)
            return empty

    resources = settings.cloudwatch.resources.references()
    log_group_prefix = settings.logs.prefix_for(settings.environment)

    def cloudwatch_alarms() -> tuple[list[cloudwatch.RenderedAlarm], list[cloudwatch.RenderedMetricFilter]]:
        catalog = cloudwatch.load_catalog(root)
        alarms = cloudwatch.render_alarms(catalog, settings.cloudwatch.alarms, resources, settings.stack_file)
        problems.problems.extend(cloudwatch.alarm_name_problems(alarms, settings.environment))
        metric_filters = cloudwatch.render_metric_filters(
            catalog,
            log_group_prefix=log_group_prefix,
            resources=resources,
            source_stack_file=settings.stack_file,
            log_groups=settings.logs.groups,
        )
        return alarms, metric_filters

    def datadog_definitions() -> tuple[list[datadog.RenderedMonitor], list[datadog.RenderedPipeline]]:
        if not settings.datadog.enabled:
            return [], []
        catalog = datadog.load_catalog(root)
        return (
            datadog.render_monitors(catalog, settings.datadog, settings.stack),
            datadog.render_pipelines(catalog, settings.datadog, settings.stack),
        )

    def dashboard_catalog() -> dashboards.DashboardCatalog | None:
        grafana = settings.grafana
        if grafana is None:
            return None
        return dashboards.load_catalog(
            root, grafana.declared_datasources(), grafana.default_datasource.uid, grafana.folders
        )

    no_alarms: tuple[list[cloudwatch.RenderedAlarm], list[cloudwatch.RenderedMetricFilter]] = ([], [])
    alarms, metric_filters = collected(cloudwatch_alarms, no_alarms)
    cloudwatch_dashboards: list[RenderedDashboard] = collected(
        lambda: render_dashboards(
            load_dashboards(root),
            environment=settings.environment,
            region=settings.region,
            log_group_prefix=log_group_prefix,
            resources=resources,
            stack_file=settings.stack_file,
        ),
        [],
    )
    cloudwatch_queries: list[RenderedQuery] = collected(
        lambda: render_queries(
            load_queries(root),
            environment=settings.environment,
            region=settings.region,
            log_group_prefix=log_group_prefix,
            log_groups=settings.logs.groups,
            resources=resources,
            stack_file=settings.stack_file,
        ),
        [],
    )
    metrics = collected(lambda: load_metrics(root), MetricsCatalog(()))
    no_datadog: tuple[list[datadog.RenderedMonitor], list[datadog.RenderedPipeline]] = ([], [])
    monitors, pipelines = collected(datadog_definitions, no_datadog)
    grafana_dashboards = collected(dashboard_catalog, None)
    monitoring = collected(lambda: load_monitoring_definitions(settings, root), None)

    problems.raise_if_any()
    return Definitions(
        monitoring=monitoring,
        dashboards=grafana_dashboards,
        alarms=alarms,
        metric_filters=metric_filters,
        datadog_monitors=monitors,
        datadog_pipelines=pipelines,
        cloudwatch_dashboards=cloudwatch_dashboards,
        cloudwatch_queries=cloudwatch_queries,
        metrics=metrics,
    )
