"""One encrypted SNS topic per severity, and the people and systems subscribed to each."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from infra.components.aws_context import AwsContext
from infra.components.encryption_key import EncryptionKey, ServiceGrant
from infra.config import Settings
from infra.settings.routing import SEVERITIES, UNATTENDED_TAG, Subscription

PAGERDUTY_CLOUDWATCH_URL = "https://events.pagerduty.com/integration/{key}/enqueue"


class AlarmRouting(pulumi.ComponentResource):
    """Severity topics for CloudWatch alarms.

    An SNS topic encrypted with a customer-managed key delivers nothing to CloudWatch alarms unless
    the key policy lets ``cloudwatch.amazonaws.com`` generate data keys, so the key grants exactly that.
    """

    def __init__(
        self,
        name: str,
        settings: Settings,
        context: AwsContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:AlarmRouting", name, None, opts)
        tags = settings.common_tags()
        prefix = f"{settings.service}-{settings.environment}"
        self.key = EncryptionKey(
            f"{name}-topics",
            description=f"Encrypts the {prefix} alarm topics",
            alias=f"{prefix}-alarm-topics",
            grants=[
                ServiceGrant(sid="CloudWatchAlarmsPublish", service="cloudwatch.amazonaws.com"),
                ServiceGrant(sid="EventBridgePublish", service="events.amazonaws.com"),
            ],
            context=context,
            deletion_window_days=settings.logs.kms_key_deletion_window_days,
            tags=tags,
            # Protected with the stack's data: a deleted key takes every message encrypted with it.
            protect=settings.logs.protect,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The alert-path policy fails an alarm whose topic has no subscriber, unless the stack file
        # says why nobody listens; the reason travels on the topic, where the policy and the AWS
        # console both see it.
        reason = settings.routing.unattended
        unattended = {UNATTENDED_TAG: reason} if reason else {}
        self.topics: dict[str, aws.sns.Topic] = {}
        for severity in SEVERITIES:
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                name=f"{prefix}-alarms-{severity}",
                kms_master_key_id=self.key.arn,
                tags={**tags, "severity": severity, **unattended},
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.sns.TopicPolicy(
                f"{name}-{severity}-policy",
                arn=topic.arn,
                policy=pulumi.Output.all(topic.arn, context.account_id).apply(
                    lambda parts: _cloudwatch_publish_policy(parts[0], parts[1])
                ),
                opts=pulumi.ResourceOptions(parent=topic),
            )
            self.topics[severity] = topic

        for index, subscription in enumerate(settings.routing.subscriptions):
            topic = self.topics[subscription.topic]
            aws.sns.TopicSubscription(
                f"{name}-{subscription.topic}-{subscription.protocol}-{index}",
                topic=topic.arn,
                protocol="https" if subscription.protocol == "pagerduty" else subscription.protocol,
                endpoint=_endpoint(subscription, settings),
                endpoint_auto_confirms=subscription.protocol == "pagerduty",
                opts=pulumi.ResourceOptions(parent=topic),
            )

        self.routes: dict[str, str] = {str(k): str(v) for k, v in settings.routing.routes.items()}
        self.register_outputs({f"{s}TopicArn": t.arn for s, t in self.topics.items()})

    def topic_for(self, severity: str) -> aws.sns.Topic:
        """The topic an alarm of this severity notifies, after per-environment routing."""
        return self.topics[self.routes[severity]]


def _endpoint(subscription: Subscription, settings: Settings) -> pulumi.Input[str]:
    if subscription.endpoint_secret is None:
        assert subscription.endpoint is not None
        return subscription.endpoint
    value = settings.secret(subscription.endpoint_secret).reveal()
    if subscription.protocol == "pagerduty":
        value = PAGERDUTY_CLOUDWATCH_URL.format(key=value)
    return pulumi.Output.secret(value)


def _cloudwatch_publish_policy(topic_arn: str, account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        sort_keys=True,
    )
