"""Contract: every AWS resource both stacks plan is accepted by AWS, as moto and the service models see it."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from obsctl.plan import Plan, reveal
from tests.conftest import STACKS
from tests.contract.conftest import (
    altered,
    deployable_plan,
    moto_for,
    resource,
    stack_region,
    with_dependencies,
)
from tests.contract.moto_replay import REPLAYERS, ReplayFailed, replay, unreplayed_types

EXPECTED_MODEL_ONLY = (
    "moto does not implement PutCompositeAlarm",
    "moto does not implement Amazonopensearchservice",
    "moto does not implement PutQueryDefinition",
)
"""The only reasons a resource may be checked against the service model instead of sent to moto."""


def test_every_planned_aws_resource_type_has_a_replayer(stack_plan: Plan) -> None:
    missing = unreplayed_types(stack_plan.resources)
    assert not missing, (
        f"{stack_plan.stack} plans AWS resource types the contract test cannot replay; add a replayer in "
        f"tests/contract/moto_replay for each: {missing}"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_replays_against_moto(stack: str) -> None:
    plan = deployable_plan(stack)
    aws_resources = [r for r in plan.resources if r.custom and r.type.startswith("aws:")]
    assert aws_resources, f"{stack} plans no AWS resource"
    with moto_for(plan.resources):
        report = replay(plan.resources, region=stack_region(stack))
        logs = boto3.client("logs", region_name=stack_region(stack))
        cloudwatch = boto3.client("cloudwatch", region_name=stack_region(stack))
        groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
        alarms = {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}

    assert sorted(report.replayed) == sorted(r.key for r in aws_resources)
    for key, reason in report.model_only.items():
        assert reason.startswith(EXPECTED_MODEL_ONLY), f"{key}: {reason}"
    # What moto holds is what the plan says, not merely something it accepted.
    for planned in plan.by_type("aws:cloudwatch/logGroup:LogGroup"):
        inputs = reveal(planned.inputs)
        group = groups[inputs["name"]]
        assert group.get("retentionInDays") == inputs.get("retentionInDays"), planned.name
        assert ("kmsKeyId" in group) == ("kmsKeyId" in inputs), planned.name
    for planned in plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert reveal(planned.inputs)["name"] in alarms, planned.name


def test_the_replay_covers_the_types_the_issue_names() -> None:
    named = {
        "aws:kms/key:Key",
        "aws:kms/alias:Alias",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
    }
    assert named <= REPLAYERS.keys(), sorted(named - REPLAYERS.keys())


# The three refusals issue #3 asks for by name; every other type's are in test_replay_refusals.py.


def _refusal(fixture_plan: Plan, name: str, changes: dict[str, object]) -> str:
    target = altered(resource(fixture_plan, name), changes)
    with mock_aws(), pytest.raises(ReplayFailed) as refused:
        replay(with_dependencies(fixture_plan, target), region="us-east-1")
    return str(refused.value)


def test_an_alarm_with_an_unknown_comparison_operator_is_refused(fixture_plan: Plan) -> None:
    message = _refusal(fixture_plan, "fx-alarm-static", {"comparisonOperator": "GreaterThanish"})
    assert "aws:cloudwatch/metricAlarm:MetricAlarm::fx-alarm-static" in message
    assert "ComparisonOperator: 'GreaterThanish' is not one of GreaterThanOrEqualToThreshold" in message


def test_a_log_group_retention_cloudwatch_does_not_offer_is_refused(fixture_plan: Plan) -> None:
    # moto's PutRetentionPolicy takes 8, and the Logs model types it as a bare integer; the allowed
    # values come from the CloudFormation schema of AWS::Logs::LogGroup.
    message = _refusal(fixture_plan, "fx-log-group", {"retentionInDays": 8})
    assert "aws:cloudwatch/logGroup:LogGroup::fx-log-group: input retentionInDays = 8" in message
    assert "allowed: 1, 3, 5, 7, 14, 30, 60, 90" in message


def test_a_topic_policy_that_is_not_json_is_refused(fixture_plan: Plan) -> None:
    message = _refusal(fixture_plan, "fx-topic-policy", {"policy": "Allow cloudwatch to publish"})
    assert (
        "aws:sns/topicPolicy:TopicPolicy::fx-topic-policy: input policy is not a valid resource policy"
        in message
    )


def test_moto_alone_accepts_what_the_added_layers_refuse() -> None:
    """Why the replay does more than call moto: each of these reaches moto unchecked and is stored.

    If moto starts refusing one, the matching check in moto_replay may become redundant.
    """
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        cloudwatch.put_metric_alarm(
            AlarmName="a",
            ComparisonOperator="GreaterThanish",
            EvaluationPeriods=1,
            MetricName="Errors",
            Namespace="App",
            Period=60,
            Statistic="Sum",
            Threshold=1.0,
        )
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="/fx/retention")
        logs.put_retention_policy(logGroupName="/fx/retention", retentionInDays=8)
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="not a policy")
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="fx-bucket-0123")
        s3.put_bucket_policy(Bucket="fx-bucket-0123", Policy="not a policy")
        assert cloudwatch.describe_alarms()["MetricAlarms"][0]["ComparisonOperator"] == "GreaterThanish"
        assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 8
