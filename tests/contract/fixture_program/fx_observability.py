"""KMS, CloudWatch Logs, SNS, alarms, a dashboard, a saved query and EventBridge resources of the
fixture program."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from fx_policies import REGION, TAGS, policy


@dataclass(frozen=True)
class Observability:
    key: aws.kms.Key
    group: aws.cloudwatch.LogGroup
    topic: aws.sns.Topic


def elb_count(
    query_id: str, metric: str, *, return_data: bool = False
) -> aws.cloudwatch.MetricAlarmMetricQueryArgsDict:
    return {
        "id": query_id,
        "return_data": return_data,
        "metric": {
            "namespace": "AWS/ApplicationELB",
            "metric_name": metric,
            "dimensions": {"LoadBalancer": "app/fx/0123456789abcdef"},
            "period": 60,
            "stat": "Sum",
        },
    }


def declare(account_id: pulumi.Output[str]) -> Observability:
    # KMS -------------------------------------------------------------------------------------------
    key = aws.kms.Key(
        "fx-key",
        description="Encrypts the fixture log groups, topic and bucket",
        enable_key_rotation=True,
        rotation_period_in_days=180,
        deletion_window_in_days=7,
        policy=account_id.apply(
            lambda account: policy(
                {
                    "Sid": "AccountAdministration",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogsUse",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{account}:log-group:/fx/*"
                        }
                    },
                },
            )
        ),
        tags=TAGS,
    )
    aws.kms.Alias("fx-alias", name="alias/fx-logs", target_key_id=key.key_id)

    # CloudWatch Logs -----------------------------------------------------------------------------------
    group = aws.cloudwatch.LogGroup(
        "fx-log-group", name="/fx/application", retention_in_days=14, kms_key_id=key.arn, tags=TAGS
    )
    aws.cloudwatch.LogGroup("fx-log-group-autonamed")
    aws.cloudwatch.LogStream("fx-log-stream", name="delivery", log_group_name=group.name)
    aws.cloudwatch.LogMetricFilter(
        "fx-metric-filter",
        name="fx-errors",
        log_group_name=group.name,
        pattern='{ $.level = "error" }',
        metric_transformation={"name": "Errors", "namespace": "Fx/App", "value": "1", "default_value": "0"},
    )
    aws.cloudwatch.LogResourcePolicy(
        "fx-log-resource-policy",
        policy_name="fx-events-to-logs",
        policy_document=group.arn.apply(
            lambda arn: policy(
                {
                    "Sid": "EventsToLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{arn}:*",
                }
            )
        ),
    )

    # SNS -----------------------------------------------------------------------------------------------
    topic = aws.sns.Topic(
        "fx-topic", name="fx-alarms", kms_master_key_id=key.arn, display_name="Fixture alarms", tags=TAGS
    )
    aws.sns.TopicPolicy(
        "fx-topic-policy",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, account_id).apply(
            lambda parts: policy(
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": parts[0],
                    "Condition": {"StringEquals": {"aws:SourceAccount": parts[1]}},
                }
            )
        ),
    )
    aws.sns.TopicSubscription("fx-email", topic=topic.arn, protocol="email", endpoint="oncall@example.com")
    aws.sns.TopicSubscription(
        "fx-webhook",
        topic=topic.arn,
        protocol="https",
        endpoint=pulumi.Output.secret("https://hooks.example.com/fx-webhook"),
        endpoint_auto_confirms=True,
        raw_message_delivery=True,
    )

    # CloudWatch alarms ---------------------------------------------------------------------------------
    static = aws.cloudwatch.MetricAlarm(
        "fx-alarm-static",
        name="fx-5xx-count",
        namespace="AWS/ApplicationELB",
        metric_name="HTTPCode_Target_5XX_Count",
        dimensions={"LoadBalancer": "app/fx/0123456789abcdef"},
        statistic="Sum",
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        threshold=10,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        tags=TAGS,
    )
    percentile = aws.cloudwatch.MetricAlarm(
        "fx-alarm-percentile",
        name="fx-latency-p99",
        namespace="AWS/ApplicationELB",
        metric_name="TargetResponseTime",
        extended_statistic="p99",
        evaluate_low_sample_count_percentiles="ignore",
        unit="Seconds",
        period=300,
        evaluation_periods=3,
        threshold=1.5,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=[topic.arn],
    )

    error_rate = aws.cloudwatch.MetricAlarm(
        "fx-alarm-math",
        name="fx-5xx-rate",
        metric_queries=[
            elb_count("errors", "HTTPCode_Target_5XX_Count"),
            elb_count("requests", "RequestCount"),
            {
                "id": "rate",
                "expression": "100 * errors / requests",
                "label": "5xx rate (%)",
                "return_data": True,
            },
        ],
        evaluation_periods=5,
        threshold=5,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=[topic.arn],
    )
    aws.cloudwatch.MetricAlarm(
        "fx-alarm-anomaly",
        name="fx-request-anomaly",
        metric_queries=[
            elb_count("requests", "RequestCount", return_data=True),
            {
                "id": "band",
                "expression": "ANOMALY_DETECTION_BAND(requests, 2)",
                "label": "expected",
                "return_data": True,
            },
        ],
        threshold_metric_id="band",
        evaluation_periods=3,
        comparison_operator="LessThanLowerOrGreaterThanUpperThreshold",
        alarm_actions=[topic.arn],
    )
    aws.cloudwatch.CompositeAlarm(
        "fx-alarm-composite",
        alarm_name="fx-degraded",
        alarm_rule=pulumi.Output.all(static.name, percentile.name).apply(
            lambda names: f'ALARM("{names[0]}") AND (ALARM("{names[1]}") OR NOT OK("{names[0]}"))'
        ),
        actions_suppressor={"alarm": error_rate.name, "extension_period": 120, "wait_period": 60},
        alarm_actions=[topic.arn],
        tags=TAGS,
    )
    aws.cloudwatch.QueryDefinition(
        "fx-query",
        name="fx/recent-errors",
        log_group_names=[group.name],
        query_string="fields @timestamp, @message | filter @message like /ERROR/ | limit 20",
    )
    aws.cloudwatch.Dashboard(
        "fx-dashboard",
        dashboard_name="fx-overview",
        dashboard_body=json.dumps(
            {
                "widgets": [
                    {
                        "type": "text",
                        "x": 0,
                        "y": 0,
                        "width": 6,
                        "height": 2,
                        "properties": {"markdown": "fx"},
                    }
                ]
            }
        ),
    )

    # EventBridge ---------------------------------------------------------------------------------------
    rule = aws.cloudwatch.EventRule(
        "fx-event-rule",
        name="fx-alarm-state-changes",
        event_pattern=json.dumps(
            {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
        ),
        state="ENABLED",
    )
    aws.cloudwatch.EventTarget(
        "fx-event-target",
        rule=rule.name,
        arn=topic.arn,
        target_id="to-topic",
        input_transformer={
            "input_paths": {"alarm": "$.detail.alarmName"},
            "input_template": '"Alarm <alarm> changed"',
        },
        retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600},
    )
    return Observability(key=key, group=group, topic=topic)
