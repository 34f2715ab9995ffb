"""Each AWS policy bites: logs, alarms, S3 buckets and IAM, on a copy of a stack with one thing broken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from obsctl.plan import Plan
from tests.policy_fixtures import (
    ALARM,
    ALARM_TOPIC,
    IRSA_ROLE,
    OIDC,
    assert_clean,
    assert_only,
    edit_json,
    first,
    get,
    key_of,
    resource,
)

# -- logs -----------------------------------------------------------------------------------------


def test_log_group_without_retention(prod_fixture: Plan) -> None:
    name = first(prod_fixture, "aws:cloudwatch/logGroup:LogGroup").name
    details = assert_only(
        prod_fixture,
        lambda p: get(p, name).inputs.pop("retentionInDays"),
        "log-group-retention",
        f"aws:cloudwatch/logGroup:LogGroup {name}: retentionInDays is not set",
    )
    assert "never expire" in details


def test_retention_threshold_is_per_stack(prod_fixture: Plan, staging_fixture: Plan) -> None:
    def fourteen_days(plan: Plan) -> None:
        for log_group in plan.by_type("aws:cloudwatch/logGroup:LogGroup"):
            log_group.inputs["retentionInDays"] = 14

    assert_only(prod_fixture, fourteen_days, "log-group-retention", "is 14; this stack requires at least 90")
    assert_clean(staging_fixture, fourteen_days)


def test_log_group_without_kms_key(prod_fixture: Plan) -> None:
    name = first(prod_fixture, "aws:cloudwatch/logGroup:LogGroup").name
    assert_only(prod_fixture, lambda p: get(p, name).inputs.pop("kmsKeyId"), "log-group-encrypted", name)


def test_prod_log_groups_and_buckets_are_protected(prod_fixture: Plan, staging_fixture: Plan) -> None:
    log_group = first(prod_fixture, "aws:cloudwatch/logGroup:LogGroup").name
    bucket = first(prod_fixture, "aws:s3/bucket:Bucket").name

    def unprotect(plan: Plan) -> None:
        get(plan, log_group).protect = False
        get(plan, bucket).protect = False

    assert_only(prod_fixture, unprotect, "data-stores-protected", log_group, bucket)

    def skip_destroy(plan: Plan) -> None:
        get(plan, log_group).protect = False
        get(plan, log_group).inputs["skipDestroy"] = True

    assert_clean(prod_fixture, skip_destroy)
    assert all(not r.protect for r in staging_fixture.by_type("aws:cloudwatch/logGroup:LogGroup"))


HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
KEY = "aws:kms/key:Key"
NAMESPACE = "kubernetes:core/v1:Namespace"
FOLDER = "grafana:oss/folder:Folder"


def _volume_releases(plan: Plan) -> list[str]:
    from infra.helm.values.common import requests_volumes

    return [
        r.name
        for r in plan.by_type(HELM_RELEASE)
        if requests_volumes(r.inputs.get("values")) and not r.name.startswith("policy-fixture")
    ]


def _stores(plan: Plan) -> list[tuple[str, str]]:
    return [
        *((KEY, r.name) for r in plan.by_type(KEY)),
        *((NAMESPACE, r.name) for r in plan.by_type(NAMESPACE)),
        *((HELM_RELEASE, name) for name in _volume_releases(plan)),
    ]


def test_prod_keys_namespace_volume_releases_and_folders_are_protected(prod_fixture: Plan) -> None:
    """Every store of prod's data, whatever the stack holds: each one unprotected is named."""
    stores = _stores(prod_fixture)
    folders = [r.name for r in prod_fixture.by_type(FOLDER)]
    assert {kind for kind, _ in stores} == {KEY, NAMESPACE, HELM_RELEASE} and folders
    for kind, name in stores:
        assert prod_fixture.get(kind, name).protect, name
    for name in folders:
        assert prod_fixture.get(FOLDER, name).inputs.get("preventDestroyIfNotEmpty") is True, name

    def unprotect(plan: Plan) -> None:
        for kind, name in stores:
            plan.get(kind, name).protect = False
        for name in folders:
            plan.get(FOLDER, name).inputs["preventDestroyIfNotEmpty"] = False

    details = assert_only(prod_fixture, unprotect, "data-stores-protected", "PersistentVolumeClaims")
    for _, name in stores:
        assert name in details, name
    assert details.count("request persistent volumes") == len(_volume_releases(prod_fixture))
    assert details.count("preventDestroyIfNotEmpty") == len(folders)


def test_a_release_without_volumes_needs_no_protection(prod_fixture: Plan) -> None:
    stateless = [
        r for r in prod_fixture.by_type(HELM_RELEASE) if r.name not in _volume_releases(prod_fixture)
    ]
    assert stateless
    assert all(not r.protect for r in stateless if not r.name.startswith("policy-fixture"))

    def drop_persistence(plan: Plan) -> None:
        (release,) = [r for r in plan.by_type(HELM_RELEASE) if r.name.endswith("-loki")]
        release.protect = False
        release.inputs["values"] = {"singleBinary": {"persistence": {"enabled": False}}}

    assert_clean(prod_fixture, drop_persistence)


# -- alarms ---------------------------------------------------------------------------------------


def test_alarm_without_actions(prod_fixture: Plan) -> None:
    def no_actions(plan: Plan) -> None:
        alarm = get(plan, ALARM)
        alarm.inputs["alarmActions"] = []
        alarm.property_dependencies.pop("alarmActions")

    assert_only(prod_fixture, no_actions, "alarm-has-actions", f"{ALARM}: alarmActions is empty")
    disabled = assert_only(
        prod_fixture,
        lambda p: get(p, ALARM).inputs.update(actionsEnabled=False),
        "alarm-has-actions",
    )
    assert "actionsEnabled is false" in disabled


def test_topic_key_without_cloudwatch_grant(prod_fixture: Plan) -> None:
    def drop_grant(plan: Plan) -> None:
        edit_json(
            key_of(plan, ALARM_TOPIC),
            "policy",
            lambda doc: doc.update(
                Statement=[
                    s
                    for s in doc["Statement"]
                    if s.get("Principal") != {"Service": "cloudwatch.amazonaws.com"}
                ]
            ),
        )

    details = assert_only(
        prod_fixture,
        drop_grant,
        "alarm-topics-encrypted-for-cloudwatch",
        f"aws:sns/topic:Topic {ALARM_TOPIC}: notified by ",
        "does not allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*",
    )
    assert "alarm-routing-topics-key" in details

    def only_decrypt(plan: Plan) -> None:
        edit_json(
            key_of(plan, ALARM_TOPIC),
            "policy",
            lambda doc: [
                s.update(Action=["kms:Decrypt"])
                for s in doc["Statement"]
                if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
            ],
        )

    assert_only(prod_fixture, only_decrypt, "alarm-topics-encrypted-for-cloudwatch")


def test_alarm_topic_unencrypted_or_aws_managed_key(prod_fixture: Plan) -> None:
    def unencrypted(plan: Plan) -> None:
        topic = get(plan, ALARM_TOPIC)
        topic.inputs.pop("kmsMasterKeyId")
        topic.property_dependencies.pop("kmsMasterKeyId")

    assert_only(prod_fixture, unencrypted, "alarm-topics-encrypted-for-cloudwatch", "not encrypted")

    def aws_managed(plan: Plan) -> None:
        topic = get(plan, ALARM_TOPIC)
        topic.inputs["kmsMasterKeyId"] = "alias/aws/sns"
        topic.property_dependencies.pop("kmsMasterKeyId")

    assert_only(prod_fixture, aws_managed, "alarm-topics-encrypted-for-cloudwatch", "AWS-managed key")


def test_alarm_notifying_a_topic_outside_the_stack(prod_fixture: Plan) -> None:
    external = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"
    assert_only(
        prod_fixture,
        lambda p: get(p, ALARM).inputs["alarmActions"].append(external),
        "alarm-topics-encrypted-for-cloudwatch",
        f"notifies {external}, a topic this stack does not manage",
    )


# -- storage --------------------------------------------------------------------------------------


def _bucket_config(plan: Plan, type_: str) -> Any:
    return first(plan, type_)


@pytest.mark.parametrize(
    ("type_", "policy"),
    [
        ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "s3-bucket-public-access-blocked"),
        (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "s3-bucket-encrypted",
        ),
        ("aws:s3/bucketVersioning:BucketVersioning", "s3-bucket-versioned"),
    ],
)
def test_bucket_missing_its_configuration(prod_fixture: Plan, type_: str, policy: str) -> None:
    config = _bucket_config(prod_fixture, type_)
    bucket = config.property_dependencies["bucket"][0]
    assert_only(
        prod_fixture,
        lambda p: p.resources.remove(get(p, config.name)),
        policy,
        f"aws:s3/bucket:Bucket {bucket}: no {type_.rsplit(':', 1)[1]} for it",
    )


def test_bucket_configurations_that_do_not_secure_it(prod_fixture: Plan) -> None:
    block = _bucket_config(prod_fixture, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").name
    assert_only(
        prod_fixture,
        lambda p: get(p, block).inputs.update(restrictPublicBuckets=False),
        "s3-bucket-public-access-blocked",
        "restrictPublicBuckets not true",
    )
    versioning = _bucket_config(prod_fixture, "aws:s3/bucketVersioning:BucketVersioning").name
    assert_only(
        prod_fixture,
        lambda p: get(p, versioning).inputs.update(versioningConfiguration={"status": "Suspended"}),
        "s3-bucket-versioned",
        "'Suspended'",
    )


def test_bucket_referenced_by_name_literal(prod_fixture: Plan) -> None:
    """A configuration naming its bucket with a literal, not an output, still counts."""
    block = _bucket_config(prod_fixture, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    bucket = get(prod_fixture, block.property_dependencies["bucket"][0])

    def literal(plan: Plan) -> None:
        config = get(plan, block.name)
        config.inputs["bucket"] = bucket.inputs["bucket"]
        config.property_dependencies.pop("bucket")

    assert_clean(prod_fixture, literal)


# -- IAM ------------------------------------------------------------------------------------------

ADMIN = {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}


def test_role_policy_allowing_everything(prod_fixture: Plan) -> None:
    name = first(prod_fixture, "aws:iam/rolePolicy:RolePolicy").name
    assert_only(
        prod_fixture,
        lambda p: edit_json(get(p, name), "policy", lambda doc: doc["Statement"].append(ADMIN)),
        "iam-no-wildcard-admin",
        f"{name}: policy: Everything allows every action on every resource",
    )


def test_wildcard_admin_in_inline_and_managed_policies(prod_fixture: Plan) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [{**ADMIN, "Action": ["*:*"]}]})
    assert_only(
        prod_fixture,
        lambda p: get(p, IRSA_ROLE).inputs.update(inlinePolicies=[{"name": "admin", "policy": document}]),
        "iam-no-wildcard-admin",
        "inlinePolicies[0].policy: Everything",
    )

    def managed(plan: Plan) -> None:

        plan.resources.append(resource(plan, "aws:iam/policy:Policy", "admin", {"policy": document}))

    assert_only(prod_fixture, managed, "iam-no-wildcard-admin", "aws:iam/policy:Policy admin")


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({}, "no StringEquals condition on <oidc>:sub"),
        ({"StringLike": {f"{OIDC}:sub": "system:serviceaccount:monitoring:*"}}, "uses StringLike"),
        (
            {
                "StringEquals": {
                    f"{OIDC}:sub": [
                        "system:serviceaccount:monitoring:loki",
                        "system:serviceaccount:default:x",
                    ]
                }
            },
            "names 2 subjects",
        ),
        ({"StringEquals": {f"{OIDC}:sub": "system:serviceaccount:monitoring"}}, "not system:serviceaccount"),
    ],
)
def test_irsa_trust_not_scoped_to_one_service_account(
    prod_fixture: Plan, condition: dict[str, Any], problem: str
) -> None:
    def loosen(plan: Plan) -> None:
        edit_json(
            get(plan, IRSA_ROLE),
            "assumeRolePolicy",
            lambda doc: doc["Statement"][0].update(Condition=condition),
        )

    assert_only(prod_fixture, loosen, "irsa-trust-scoped", problem)


# -- names AWS would refuse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prop", "value", "expected"),
    [
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "name", "x" * 256, "at most 255"),
        ("aws:sns/topic:Topic", "name", "t" * 257, "at most 256"),
        ("aws:cloudwatch/logGroup:LogGroup", "name", "/aws/eks/metrics prod/app", "does not match"),
        ("aws:s3/bucket:Bucket", "bucket", "Metrics_Prod", "does not match"),
        ("aws:iam/role:Role", "name", "r" * 65, "at most 64"),
    ],
)
def test_names_aws_would_refuse_are_named(
    prod_plan: Plan, kind: str, prop: str, value: str, expected: str
) -> None:
    target = prod_plan.by_type(kind)[0]
    details = assert_only(
        prod_plan,
        lambda p: p.get(kind, target.name).inputs.update({prop: value}),
        "aws-name-limits",
        expected,
    )
    assert target.name in details


def test_a_generated_alarm_name_too_long_names_the_file(tmp_path: Path) -> None:
    """The alarm id is fine alone; prefixed with the stack it is not: the file and id are named."""
    from infra.catalog.cloudwatch import alarm_name_problems, load_catalog, render_alarms
    from infra.catalog.cloudwatch.aws_models import alarm_name_max_length

    long_id = "a" + "-b" * 99  # 199 characters: within the catalog's own limit of 200
    folder = tmp_path / "alerts" / "cloudwatch"
    folder.mkdir(parents=True)
    (folder / "long.yaml").write_text(
        f"""alarms:
  - id: {long_id}
    kind: metric
    severity: warning
    description: The API's target group has an unhealthy host.
    runbook_url: https://runbooks.example.com/cloudwatch/unhealthy
    namespace: AWS/ApplicationELB
    metric_name: UnHealthyHostCount
    statistic: Maximum
    period: 60
    evaluation_periods: 3
    threshold: 0
    comparison_operator: GreaterThanThreshold
"""
    )
    alarms = render_alarms(load_catalog(tmp_path), {}, {}, "Pulumi.prod.yaml")
    stack = "e" * (alarm_name_max_length() - len(long_id))
    (problem,) = alarm_name_problems(alarms, stack)
    assert problem.source.endswith("long.yaml") and long_id in str(problem)
    assert "CloudWatch allows at most 255" in str(problem)
    assert alarm_name_problems(alarms, stack[:-1]) == []
