"""The alarm catalog of one stack: log metric filters, metric / math / anomaly and composite alarms.

Every alarm notifies the SNS topic its severity routes to, on ALARM and on OK, so nobody is left
with an incident that never resolves. Composite alarms refer to their children by CloudWatch name,
so they depend on them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from infra.catalog.cloudwatch import (
    RenderedAlarm,
    RenderedCompositeAlarm,
    RenderedMetricFilter,
    alarm_name,
)
from infra.components.alarm_routing import AlarmRouting
from infra.config import Settings


class CloudWatchAlarms(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        alarms: list[RenderedAlarm],
        metric_filters: list[RenderedMetricFilter],
        routing: AlarmRouting,
        log_groups: dict[str, aws.cloudwatch.LogGroup],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:CloudWatchAlarms", name, None, opts)
        tags = settings.common_tags()
        self.metric_filters: dict[str, aws.cloudwatch.LogMetricFilter] = {}
        for metric_filter in metric_filters:
            group_suffix = metric_filter.log_group_name.rsplit("/", 1)[-1]
            owner = log_groups.get(group_suffix)
            self.metric_filters[metric_filter.id] = aws.cloudwatch.LogMetricFilter(
                f"{name}-filter-{metric_filter.id}",
                name=metric_filter.id,
                **metric_filter.log_metric_filter_args(),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[owner] if owner else []),
            )

        self.alarms: dict[str, aws.cloudwatch.MetricAlarm | aws.cloudwatch.CompositeAlarm] = {}
        names: dict[str, str] = {}
        for alarm in alarms:
            topic = routing.topic_for(alarm.route)
            cloudwatch_name = alarm_name(settings.environment, alarm.id)
            names[alarm.id] = cloudwatch_name
            notification: dict[str, Any] = {
                "actions_enabled": True,
                "alarm_actions": [topic.arn],
                "ok_actions": [topic.arn],
                "tags": {**tags, "severity": alarm.severity, "alarm-id": alarm.catalog_id},
            }
            if isinstance(alarm, RenderedCompositeAlarm):
                children = [self.alarms[child] for child in alarm.children]
                self.alarms[alarm.id] = aws.cloudwatch.CompositeAlarm(
                    f"{name}-{alarm.id}",
                    alarm_name=cloudwatch_name,
                    **alarm.composite_alarm_args(names),
                    **notification,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=children),
                )
            else:
                self.alarms[alarm.id] = aws.cloudwatch.MetricAlarm(
                    f"{name}-{alarm.id}",
                    name=cloudwatch_name,
                    **alarm.metric_alarm_args(),
                    **notification,
                    opts=pulumi.ResourceOptions(parent=self),
                )
        self.register_outputs({"alarmNames": names})
