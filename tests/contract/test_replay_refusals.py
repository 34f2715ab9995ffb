"""Every replayer bites: one altered fixture resource per case, refused with a message naming it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from obsctl.plan import Plan
from tests.contract.conftest import DELETE, altered, moto_for, resource, with_dependencies
from tests.contract.moto_replay import REPLAYERS, ReplayFailed, replay


def _policy(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# (fixture resource, input changes, a fragment of the refusal). The layer that refuses varies on
# purpose: moto, botocore's validation, the model's constraints, the policy grammar, cfn schemas.
CASES: list[tuple[str, dict[str, Any], str]] = [
    # kms
    ("fx-key", {"keyUsage": "SIGN_EVERYTHING"}, "KeyUsage: 'SIGN_EVERYTHING' is not one of"),  # model enum
    (
        "fx-key",
        {"deletionWindowInDays": 45},
        "PendingWindowInDays (45 is greater than the maximum of 30)",
    ),  # cfn
    (
        "fx-key",
        {"rotationPeriodInDays": 30},
        "RotationPeriodInDays: 30 is below the minimum 90",
    ),  # model range
    ("fx-alias", {"name": "fx-logs"}, "moto refused CreateAlias"),  # moto
    # logs
    ("fx-log-group", {"name": "/fx/has space"}, "logGroupName: '/fx/has space' does not match the pattern"),
    (
        "fx-log-group",
        {"name": "/other/application"},
        "the key policy does not let logs.us-east-1.amazonaws.com use the key",
    ),
    ("fx-log-group", {"kmsKeyId": "${fx-key.keyId}"}, "CloudWatch Logs takes the key's ARN"),
    ("fx-log-stream", {"name": "delivery:1"}, "logStreamName: 'delivery:1' does not match the pattern"),
    ("fx-metric-filter", {"logGroupName": "/fx/missing"}, "log group /fx/missing does not exist"),
    (
        "fx-subscription",
        {"destinationArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/missing"},
        "moto refused PutSubscriptionFilter: InvalidParameterException",
    ),
    (
        "fx-log-resource-policy",
        {
            "policyDocument": _policy(
                Effect="Permit", Principal={"Service": "events.amazonaws.com"}, Action="logs:*", Resource="*"
            )
        },
        "input policyDocument is not a valid resource policy",
    ),
    # cloudwatch alarms and dashboards
    ("fx-alarm-math", {"metricQueries[2].returnData": False}, "exactly one metric query must return data"),
    (
        "fx-alarm-anomaly",
        {"comparisonOperator": "GreaterThanThreshold"},
        "an anomaly band alarm compares with one of",
    ),
    ("fx-alarm-percentile", {"period": 45}, "period 45 is not 10, 20, 30 or a multiple of 60"),
    ("fx-alarm-static", {"evaluationPeriods": "five"}, "botocore refused the request"),  # botocore types
    (
        "fx-alarm-composite",
        {"alarmRule": 'ALARM("fx-5xx-count") ANDD OK("fx-5xx-count")'},
        "unexpected 'ANDD'",
    ),
    (
        "fx-alarm-composite",
        {"alarmRule": 'ALARM("fx-no-such-alarm")'},
        "alarm 'fx-no-such-alarm' referenced by",
    ),
    ("fx-alarm-composite", {"alarmName": "x" * 300}, "AlarmName: 300 characters, at most 255 allowed"),
    ("fx-dashboard", {"dashboardBody": "{"}, "input dashboardBody is not JSON"),
    ("fx-query", {"logGroupNames": ["/no/such/group"]}, "log group /no/such/group does not exist"),
    ("fx-query", {"queryString": "x" * 10001}, "queryString: 10001 characters, at most 10000 allowed"),
    # eventbridge
    (
        "fx-event-rule",
        {"eventPattern": DELETE, "scheduleExpression": "every minute"},
        "moto refused PutRule: ValidationException",
    ),
    (
        "fx-event-target",
        {"retryPolicy.maximumRetryAttempts": 500},
        "MaximumRetryAttempts: 500 is above the maximum 185",
    ),
    # sns
    ("fx-topic", {"name": "fx alarms!"}, "moto refused CreateTopic: InvalidParameter"),
    (
        "fx-topic-policy",
        {
            "policy": _policy(
                Effect="Allow",
                Principal={"Service": "cloudwatch.amazonaws.com"},
                Action="Publish",
                Resource="*",
            )
        },
        "not a valid resource policy: Actions/Conditions must be prefaced by a vendor",
    ),
    ("fx-email", {"protocol": "pager"}, "protocol = 'pager' is not an SNS protocol"),
    ("fx-webhook", {"endpoint": "http://hooks.example.com/insecure"}, "must start with https://"),
    # s3
    ("fx-bucket", {"bucket": "Fx_Bucket"}, "'Fx_Bucket' is refused for AWS::S3::Bucket.BucketName"),
    ("fx-bucket-v2", {"bucketPrefix": "FX-"}, "is refused for AWS::S3::Bucket.BucketName"),
    (
        "fx-bucket-public-access",
        {"bucket": "missing-bucket-0123"},
        "moto refused PutPublicAccessBlock: NoSuchBucket",
    ),
    ("fx-bucket-versioning", {"versioningConfiguration.status": "Maybe"}, "Status: 'Maybe' is not one of"),
    ("fx-bucket-v2-versioning", {"versioningConfiguration.status": "Maybe"}, "Status: 'Maybe' is not one of"),
    (
        "fx-bucket-encryption",
        {"rules[0].applyServerSideEncryptionByDefault.sseAlgorithm": "AES257"},
        "SSEAlgorithm: 'AES257' is not one of",
    ),
    (
        "fx-bucket-v2-encryption",
        {"rules[0].applyServerSideEncryptionByDefault.sseAlgorithm": "AES257"},
        "SSEAlgorithm: 'AES257' is not one of",
    ),
    (
        "fx-bucket-lifecycle",
        {"rules[0].status": "On"},
        "Rules[0].Status: 'On' is not one of Enabled, Disabled",
    ),
    (
        "fx-bucket-v2-lifecycle",
        {"rules[0].transitions": [{"days": 1, "storageClass": "COLD_STORAGE"}]},
        "StorageClass: 'COLD_STORAGE' is not one of",
    ),
    (
        "fx-bucket-policy",
        {"policy": _policy(Effect="Deny", Action="s3:*", Resource="*")},
        "names no Principal",
    ),
    ("fx-bucket-ownership", {"rule.objectOwnership": "Mine"}, "ObjectOwnership: 'Mine' is not one of"),
    # iam
    (
        "fx-firehose-role",
        {
            "assumeRolePolicy": _policy(
                Effect="Allow",
                Principal={"Service": "firehose.amazonaws.com"},
                Action="sts:AssumeRole",
                Resource="*",
            )
        },
        "not a valid trust policy: Has prohibited field Resource",
    ),
    ("fx-irsa-role", {"name": "x" * 65}, "RoleName: 65 characters, at most 64 allowed"),
    (
        "fx-delivery-policy",
        {"policy": _policy(Effect="Allowish", Action="s3:*", Resource="*")},
        "not a valid identity policy",
    ),
    ("fx-firehose-role-policy", {"role": "missing-role"}, "moto refused PutRolePolicy: NoSuchEntity"),
    (
        "fx-delivery-attachment",
        {"policyArn": "arn:aws:iam::123456789012:policy/missing"},
        "moto refused AttachRolePolicy: NoSuchEntity",
    ),
    (
        "fx-irsa-managed-policy",
        {"policyArn": "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicyy"},
        "moto refused AttachRolePolicy: NoSuchEntity",
    ),
    ("fx-oidc", {"thumbprintLists": ["abc"]}, "Invalid length for parameter ThumbprintList[0]"),
    ("fx-oidc", {"url": "http://oidc.example.com"}, "an OIDC provider URL must begin with https://"),
    # firehose
    (
        "fx-stream-s3",
        {"extendedS3Configuration.compressionFormat": "ZIPPY"},
        "CompressionFormat: 'ZIPPY' is not one of",
    ),
    (
        "fx-stream-s3",
        {"extendedS3Configuration.bucketArn": "arn:aws:s3:::missing-0123"},
        "BucketARN arn:aws:s3:::missing-0123 does not exist",
    ),
    (
        "fx-stream-datadog",
        {"httpEndpointConfiguration.url": "http://intake.example.com"},
        "does not match the pattern https://.*",
    ),
    (
        "fx-stream-opensearch",
        {"opensearchConfiguration.indexRotationPeriod": "Hourly"},
        "IndexRotationPeriod: 'Hourly' is not one of",
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "expected"), CASES, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CASES]
)
def test_the_altered_resource_is_refused(
    fixture_plan: Plan, name: str, changes: dict[str, Any], expected: str
) -> None:
    target = altered(resource(fixture_plan, name), changes)
    resources = with_dependencies(fixture_plan, target)
    with moto_for(resources), pytest.raises(ReplayFailed) as refused:
        replay(resources, region="us-east-1")
    (rejection,) = refused.value.rejections
    assert rejection.resource == target.key
    assert expected in rejection.message


def test_every_replayer_has_a_refusal_case(fixture_plan: Plan) -> None:
    covered = {resource(fixture_plan, name).type for name, _, _ in CASES}
    assert not REPLAYERS.keys() - covered, sorted(REPLAYERS.keys() - covered)


def test_the_unaltered_fixtures_of_the_cases_are_accepted(fixture_plan: Plan) -> None:
    """So each refusal above is caused by its change, not by the fixture."""
    targets = {name for name, _, _ in CASES}
    resources = with_dependencies(fixture_plan, *(resource(fixture_plan, n) for n in targets))
    with moto_for(resources):
        report = replay(resources, region="us-east-1")
    assert {resource(fixture_plan, n).key for n in targets} <= set(report.replayed)
