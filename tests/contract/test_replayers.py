"""Each replayer, proven on hand-built resources of its type (tests/contract/fixture_program)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from obsctl.plan import Plan
from tests.contract.conftest import FIXTURE_PROGRAM, fake_aws_environment, moto_for, with_dependencies
from tests.contract.moto_replay import REPLAYERS, ReplayReport, replay

REGION = "us-east-1"


def test_the_fixture_program_declares_every_replayed_type(fixture_plan: Plan) -> None:
    declared = {r.type for r in fixture_plan.resources}
    assert not REPLAYERS.keys() - declared, (
        f"add to {FIXTURE_PROGRAM}/__main__.py: {sorted(REPLAYERS.keys() - declared)}"
    )


@pytest.mark.parametrize("type_token", sorted(REPLAYERS))
def test_the_replayer_accepts_its_fixtures_with_only_their_dependencies(
    fixture_plan: Plan, type_token: str
) -> None:
    """Alone with what they depend on, so a replayer cannot lean on a resource it did not ask for."""
    targets = fixture_plan.by_type(type_token)
    assert targets, f"the fixture program declares no {type_token}"
    resources = with_dependencies(fixture_plan, *targets)
    with moto_for(resources):
        report = replay(resources, region=REGION)
    for target in targets:
        assert target.key in report.replayed
        assert report.outputs[target.name]["id"]


class Replayed:
    """The whole fixture program replayed into one moto, left open for the assertions below."""

    def __init__(self, plan: Plan, report: ReplayReport) -> None:
        self.plan = plan
        self.report = report

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def output(self, name: str, prop: str = "id") -> str:
        return self.report.outputs[name][prop]


@pytest.fixture(scope="module")
def replayed(fixture_plan: Plan) -> Iterator[Replayed]:
    with fake_aws_environment(), moto_for(fixture_plan.resources):
        yield Replayed(fixture_plan, replay(list(reversed(fixture_plan.resources)), region=REGION))


def test_kms_key_policy_rotation_and_alias(replayed: Replayed) -> None:
    kms = replayed.client("kms")
    key_id = replayed.output("fx-key", "keyId")
    # moto keeps no rotation period; its range is checked against the model (see the refusal tests).
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases(KeyId=key_id)["Aliases"]}
    assert aliases == {"alias/fx-logs": key_id}


def test_log_group_stream_and_filters(replayed: Replayed) -> None:
    logs = replayed.client("logs")
    group = logs.describe_log_groups(logGroupNamePrefix="/fx/application")["logGroups"][0]
    assert group["retentionInDays"] == 14
    assert group["kmsKeyId"] == replayed.output("fx-key", "arn")
    assert logs.list_tags_log_group(logGroupName="/fx/application")["tags"]["team"] == "platform"
    assert [
        s["logStreamName"] for s in logs.describe_log_streams(logGroupName="/fx/application")["logStreams"]
    ] == ["delivery"]
    (metric_filter,) = logs.describe_metric_filters(logGroupName="/fx/application")["metricFilters"]
    assert metric_filter["filterPattern"] == '{ $.level = "error" }'
    assert metric_filter["metricTransformations"][0] == {
        "metricName": "Errors",
        "metricNamespace": "Fx/App",
        "metricValue": "1",
        "defaultValue": 0.0,
    }
    (subscription,) = logs.describe_subscription_filters(logGroupName="/fx/application")[
        "subscriptionFilters"
    ]
    assert subscription["destinationArn"] == replayed.output("fx-stream-datadog", "arn")
    assert subscription["roleArn"] == replayed.output("fx-subscription-role", "arn")
    assert subscription["distribution"] == "ByLogStream"
    autonamed = replayed.output("fx-log-group-autonamed", "name")
    assert autonamed.startswith("fx-log-group-autonamed-")


def test_topic_policy_and_subscriptions(replayed: Replayed) -> None:
    sns = replayed.client("sns")
    arn = replayed.output("fx-topic", "arn")
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == replayed.output("fx-key", "arn")
    assert json.loads(attributes["Policy"])["Statement"][0]["Resource"] == arn
    endpoints = {
        s["Protocol"]: s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    }
    # The webhook is a secret in the plan; the replay sends its value, as the provider does.
    assert endpoints == {"email": "oncall@example.com", "https": "https://hooks.example.com/fx-webhook"}


def test_metric_alarms_keep_their_queries_statistics_and_band(replayed: Replayed) -> None:
    alarms = {a["AlarmName"]: a for a in replayed.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert alarms["fx-5xx-count"]["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": "app/fx/0123456789abcdef"}
    ]
    assert alarms["fx-5xx-count"]["AlarmActions"] == [replayed.output("fx-topic", "arn")]
    assert alarms["fx-latency-p99"]["ExtendedStatistic"] == "p99"
    assert alarms["fx-latency-p99"]["EvaluateLowSampleCountPercentile"] == "ignore"
    rate = {m["Id"]: m for m in alarms["fx-5xx-rate"]["Metrics"]}
    assert rate["rate"] == {
        "Id": "rate",
        "Expression": "100 * errors / requests",
        "Label": "5xx rate (%)",
        "ReturnData": True,
    }
    assert rate["errors"]["MetricStat"]["Metric"]["MetricName"] == "HTTPCode_Target_5XX_Count"
    assert alarms["fx-request-anomaly"]["ThresholdMetricId"] == "band"


def test_composite_alarm_is_checked_against_the_model_because_moto_lacks_it(replayed: Replayed) -> None:
    key = "aws:cloudwatch/compositeAlarm:CompositeAlarm::fx-alarm-composite"
    assert key in replayed.report.replayed
    assert replayed.report.model_only[key] == "moto does not implement PutCompositeAlarm"


def test_event_rule_and_target(replayed: Replayed) -> None:
    events = replayed.client("events")
    rule = events.describe_rule(Name="fx-alarm-state-changes")
    assert json.loads(rule["EventPattern"])["source"] == ["aws.cloudwatch"]
    (target,) = events.list_targets_by_rule(Rule="fx-alarm-state-changes")["Targets"]
    assert target["Id"] == "to-topic"
    assert target["InputTransformer"]["InputPathsMap"] == {"alarm": "$.detail.alarmName"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}


def test_bucket_and_its_configuration(replayed: Replayed) -> None:
    s3 = replayed.client("s3")
    bucket = "fx-log-backup-0123"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert set(block.values()) == {True}
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == replayed.output("fx-key", "arn")
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["Filter"] == {"Prefix": "failed/"}
    assert lifecycle["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert {"Key": "team", "Value": "platform"} in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]


def test_legacy_v2_bucket_resources(replayed: Replayed) -> None:
    s3 = replayed.client("s3")
    bucket = replayed.output("fx-bucket-v2", "bucket")
    assert bucket.startswith("fx-v2-")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["Filter"]["And"] == {"Prefix": "tmp/", "Tags": [{"Key": "class", "Value": "scratch"}]}


def test_roles_policies_and_oidc_provider(replayed: Replayed) -> None:
    iam = replayed.client("iam")
    inline = iam.list_role_policies(RoleName="fx-firehose")["PolicyNames"]
    assert sorted(inline) == ["read-key", "write-delivery-logs"]
    attached = iam.list_attached_role_policies(RoleName="fx-firehose")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [replayed.output("fx-delivery-policy", "arn")]
    irsa = iam.get_role(RoleName="fx-cloudwatch-agent")["Role"]
    (statement,) = irsa["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Federated": replayed.output("fx-oidc", "arn")}
    managed = iam.list_attached_role_policies(RoleName="fx-cloudwatch-agent")["AttachedPolicies"]
    assert [p["PolicyName"] for p in managed] == ["CloudWatchAgentServerPolicy"]


def test_delivery_streams(replayed: Replayed) -> None:
    firehose = replayed.client("firehose")

    def destination(name: str) -> dict[str, Any]:
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        return dict(description["Destinations"][0])

    to_s3 = destination("fx-to-s3")["ExtendedS3DestinationDescription"]
    assert to_s3["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert to_s3["EncryptionConfiguration"] == {
        "KMSEncryptionConfig": {"AWSKMSKeyARN": replayed.output("fx-key", "arn")}
    }
    assert to_s3["S3BackupMode"] == "Enabled"
    datadog = destination("fx-to-datadog")["HttpEndpointDestinationDescription"]
    assert datadog["EndpointConfiguration"]["Name"] == "Datadog"
    assert datadog["RetryOptions"] == {"DurationInSeconds": 7200}
    assert datadog["S3BackupMode"] == "FailedDataOnly"
    assert datadog["RequestConfiguration"]["CommonAttributes"] == [
        {"AttributeName": "env", "AttributeValue": "fx"}
    ]
    opensearch_key = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream::fx-stream-opensearch"
    assert "checked against the service model" in replayed.report.model_only[opensearch_key]


def test_dashboard_and_log_resource_policy(replayed: Replayed) -> None:
    body = replayed.client("cloudwatch").get_dashboard(DashboardName="fx-overview")["DashboardBody"]
    assert json.loads(body)["widgets"][0]["type"] == "text"
    policies = replayed.client("logs").describe_resource_policies()["resourcePolicies"]
    assert [p["policyName"] for p in policies] == ["fx-events-to-logs"]
