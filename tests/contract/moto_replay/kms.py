"""KMS keys and aliases."""

from __future__ import annotations

from tests.contract.moto_replay.checks import check_cloudformation_property, check_policy_document
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays


@replays("aws:kms/key:Key")
def key(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    kms = ctx.client("kms")
    policy = inputs.get("policy")
    if policy is not None:
        check_policy_document(policy, "resource", "policy")
    if inputs.has("deletionWindowInDays"):
        # Applied by ScheduleKeyDeletion when the key is destroyed; a bad value fails only then.
        check_cloudformation_property(
            "AWS::KMS::Key",
            "PendingWindowInDays",
            inputs.get("deletionWindowInDays"),
            "deletionWindowInDays",
            ctx.region,
        )
    metadata = kms.create_key(
        **present(
            Policy=policy,
            Description=inputs.get("description"),
            KeyUsage=inputs.get("keyUsage"),
            KeySpec=inputs.get("customerMasterKeySpec"),
            CustomKeyStoreId=inputs.get("customKeyStoreId"),
            XksKeyId=inputs.get("xksKeyId"),
            MultiRegion=inputs.get("multiRegion"),
            BypassPolicyLockoutSafetyCheck=inputs.get("bypassPolicyLockoutSafetyCheck"),
            Tags=tag_list(inputs.get("tags"), "TagKey", "TagValue"),
        )
    )["KeyMetadata"]
    key_id = metadata["KeyId"]
    rotation_days = inputs.get("rotationPeriodInDays")
    if inputs.get("enableKeyRotation", False):
        kms.enable_key_rotation(**present(KeyId=key_id, RotationPeriodInDays=rotation_days))
    elif rotation_days is not None:
        check_cloudformation_property(
            "AWS::KMS::Key", "RotationPeriodInDays", rotation_days, "rotationPeriodInDays", ctx.region
        )
    if inputs.get("isEnabled", True) is False:
        kms.disable_key(KeyId=key_id)
    return {"id": key_id, "keyId": key_id, "arn": metadata["Arn"]}


@replays("aws:kms/alias:Alias")
def alias(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = ctx.name(inputs)
    target = inputs.require("targetKeyId")
    ctx.client("kms").create_alias(AliasName=name, TargetKeyId=target)
    target_arn = ctx.client("kms").describe_key(KeyId=target)["KeyMetadata"]["Arn"]
    return {"id": name, "name": name, "arn": ctx.arn("kms", name), "targetKeyArn": target_arn}
