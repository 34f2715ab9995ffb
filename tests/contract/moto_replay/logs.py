"""CloudWatch Logs: log groups, metric filters, subscription filters, resource policies, saved queries."""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from tests.contract.moto_replay.checks import (
    check_cloudformation_property,
    check_key_policy_grants,
    check_policy_document,
)
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present
from tests.contract.moto_replay.registry import replays


@replays("aws:cloudwatch/logGroup:LogGroup")
def log_group(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    logs = ctx.client("logs")
    name = ctx.name(inputs)
    kms_key_id = inputs.get("kmsKeyId")
    if kms_key_id is not None:
        _check_log_key(ctx, kms_key_id, name)
    inputs.provider_only("skipDestroy")
    logs.create_log_group(
        **present(
            logGroupName=name,
            kmsKeyId=kms_key_id,
            logGroupClass=inputs.get("logGroupClass"),
            deletionProtectionEnabled=inputs.get("deletionProtectionEnabled"),
            tags=inputs.get("tags"),
        )
    )
    retention = inputs.get("retentionInDays")
    if retention is not None and retention != 0:  # 0 means "never expire": the provider sends nothing
        check_cloudformation_property(
            "AWS::Logs::LogGroup", "RetentionInDays", retention, "retentionInDays", ctx.region
        )
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return {"id": name, "name": name, "arn": ctx.arn("logs", f"log-group:{name}")}


@replays("aws:cloudwatch/logStream:LogStream")
def log_stream(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("name")
    group = inputs.require("logGroupName")
    ctx.client("logs").create_log_stream(logGroupName=group, logStreamName=name)
    return {"id": name, "name": name, "arn": ctx.arn("logs", f"log-group:{group}:log-stream:{name}")}


@replays("aws:cloudwatch/logMetricFilter:LogMetricFilter")
def log_metric_filter(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    logs = ctx.client("logs")
    name = inputs.require("name")
    group = inputs.require("logGroupName")
    _require_log_group(ctx, group, "logGroupName")
    transformation = inputs.section("metricTransformation")
    default_value = transformation.get("defaultValue")
    logs.put_metric_filter(
        **present(
            logGroupName=group,
            filterName=name,
            filterPattern=inputs.get("pattern", ""),
            applyOnTransformedLogs=inputs.get("applyOnTransformedLogs"),
            metricTransformations=[
                present(
                    metricName=transformation.require("name"),
                    metricNamespace=transformation.require("namespace"),
                    metricValue=transformation.require("value"),
                    # The provider takes the default as a string and sends it as a number.
                    defaultValue=None if default_value in (None, "") else float(default_value),
                    dimensions=transformation.get("dimensions"),
                    unit=transformation.get("unit"),
                )
            ],
        )
    )
    return {"id": name, "name": name}


@replays("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
def log_subscription_filter(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("name")
    group = inputs.require("logGroup")
    ctx.client("logs").put_subscription_filter(
        **present(
            logGroupName=group,
            filterName=name,
            filterPattern=inputs.get("filterPattern", ""),
            destinationArn=inputs.require("destinationArn"),
            roleArn=inputs.get("roleArn"),
            distribution=inputs.get("distribution"),
            applyOnTransformedLogs=inputs.get("applyOnTransformedLogs"),
            emitSystemFields=inputs.get("emitSystemFields"),
        )
    )
    return {"id": f"cwlsf-{group}-{name}", "name": name}


@replays("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
def log_resource_policy(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.get("policyName")
    document = check_policy_document(inputs.require("policyDocument"), "resource", "policyDocument")
    ctx.client("logs").put_resource_policy(
        **present(policyName=name, policyDocument=document, resourceArn=inputs.get("resourceArn"))
    )
    return {"id": name or inputs.get("resourceArn")}


def _require_log_group(ctx: ResourceContext, name: str, where: str) -> None:
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    if not any(group["logGroupName"] == name for group in groups):
        raise ReplayError(f"input {where}: log group {name} does not exist (AWS: ResourceNotFoundException)")


def _check_log_key(ctx: ResourceContext, key_arn: str, group: str) -> None:
    """CloudWatch Logs resolves the key, and checks its policy, when the group is created."""
    if not key_arn.startswith("arn:"):
        raise ReplayError(f"input kmsKeyId = {key_arn!r}: CloudWatch Logs takes the key's ARN")
    try:
        policy = ctx.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    except ClientError:
        raise ReplayError(f"input kmsKeyId: no KMS key {key_arn}") from None
    group_arn = ctx.arn("logs", f"log-group:{group}")
    check_key_policy_grants(
        policy,
        f"logs.{ctx.region}.amazonaws.com",
        ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"),
        {"kms:EncryptionContext:aws:logs:arn": group_arn, "aws:SourceAccount": ctx.account_id},
        "kmsKeyId",
    )


@replays("aws:cloudwatch/queryDefinition:QueryDefinition")
def query_definition(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("name")
    groups = inputs.get("logGroupNames") or []
    for index, group in enumerate(groups):
        _require_log_group(ctx, group, f"logGroupNames[{index}]")
    params = present(name=name, queryString=inputs.require("queryString"), logGroupNames=groups or None)
    ctx.validate_only("logs", "PutQueryDefinition", params, "moto does not implement PutQueryDefinition")
    # The service returns a generated id; one derived from the name keeps replays deterministic.
    query_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.region}/{name}"))
    return {"id": query_id, "queryDefinitionId": query_id}
