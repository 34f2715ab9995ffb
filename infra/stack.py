"""Composes the components of one stack from its validated settings."""

from __future__ import annotations

import pulumi

from infra.components.alarm_routing import AlarmRouting
from infra.components.application_logs import ApplicationLogs
from infra.components.aws_context import AwsContext
from infra.components.cloudwatch_alarms import CloudWatchAlarms
from infra.components.cloudwatch_dashboards import CloudWatchDashboards
from infra.components.cloudwatch_queries import CloudWatchQueries
from infra.components.grafana_dashboards import GrafanaDashboards
from infra.components.log_forwarding import LogForwarding
from infra.components.monitoring_cluster import MonitoringCluster
from infra.config import Settings, load_settings, missing_secret_message, missing_secrets, read_pulumi_config
from infra.definitions import Definitions, load_definitions
from infra.errors import DefinitionError
from infra.kubernetes.releases import KUBE_PROMETHEUS_STACK_RELEASE
from infra.secret_shapes import check_secret_shapes


def build(settings: Settings, definitions: Definitions) -> None:
    context = AwsContext.lookup(settings.region)
    logs = ApplicationLogs("application-logs", settings, context)
    routing = AlarmRouting("alarm-routing", settings, context)
    CloudWatchAlarms(
        "cloudwatch-alarms", settings, definitions.alarms, definitions.metric_filters, routing, logs.groups
    )
    if definitions.cloudwatch_dashboards:
        CloudWatchDashboards("cloudwatch-dashboards", definitions.cloudwatch_dashboards)
    if definitions.cloudwatch_queries:
        CloudWatchQueries("cloudwatch-queries", definitions.cloudwatch_queries, logs.groups)
    if settings.forwarding.enabled:
        LogForwarding("log-forwarding", settings, context, logs.groups, logs.key.arn)
    grafana_deployment: list[pulumi.Resource] = []
    if definitions.monitoring is not None:
        cluster = MonitoringCluster("monitoring-cluster", settings, context, definitions.monitoring)
        # Grafana runs inside kube-prometheus-stack: its provider can only connect once it is up.
        grafana_deployment = [cluster.releases[KUBE_PROMETHEUS_STACK_RELEASE]]
        pulumi.export("grafanaUrl", cluster.grafana_url)
        pulumi.export("lokiBucket", cluster.loki_bucket)
    if definitions.dashboards is not None:
        GrafanaDashboards("grafana", settings, definitions.dashboards, grafana_deployment)
    if settings.datadog.enabled:
        # Imported here: pulumi_datadog takes seconds to import, and most stacks never need it.
        from infra.components.datadog_monitors import DatadogMonitors

        DatadogMonitors("datadog", settings, definitions.datadog_monitors, definitions.datadog_pipelines)

    pulumi.export("logGroupNames", logs.group_names)
    pulumi.export("logsKmsKeyArn", logs.key.arn)
    pulumi.export("alarmTopicArns", {severity: topic.arn for severity, topic in routing.topics.items()})


def main() -> None:
    """Entry point of ``__main__.py``: validate everything first, then register resources."""
    try:
        settings = load_settings(read_pulumi_config())
        missing = missing_secrets(settings)
        if missing:
            raise DefinitionError.single(
                settings.stack_file, "", missing_secret_message(settings.stack_file, settings.stack, missing)
            )
        definitions = load_definitions(settings)
        # Before anything renders: a secret of the wrong shape fails here, naming its key.
        alertmanager = definitions.monitoring.alertmanager if definitions.monitoring else None
        check_secret_shapes(settings, alertmanager)
    except DefinitionError as error:
        # RunError prints as a plain message, without a traceback; nothing has been registered yet.
        raise pulumi.RunError(str(error)) from None
    for warning in definitions.warnings:
        pulumi.log.warn(str(warning))
    build(settings, definitions)
