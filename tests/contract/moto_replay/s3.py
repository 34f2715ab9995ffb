"""S3 buckets and the standalone resources that configure them."""

from __future__ import annotations

from typing import Any

from tests.contract.moto_replay.checks import check_cloudformation_property, check_policy_document
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays


@replays("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def bucket(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    s3 = ctx.client("s3")
    name = ctx.name(inputs, "bucket", lowercase=True)
    # The S3 model types Bucket as a free string; the naming rules are in the CloudFormation schema.
    check_cloudformation_property("AWS::S3::Bucket", "BucketName", name, "bucket", ctx.region)
    inputs.provider_only("forceDestroy")
    location = None if ctx.region == "us-east-1" else {"LocationConstraint": ctx.region}
    s3.create_bucket(
        **present(
            Bucket=name,
            ACL=inputs.get("acl"),
            ObjectLockEnabledForBucket=inputs.get("objectLockEnabled"),
            CreateBucketConfiguration=location,
        )
    )
    tags = inputs.get("tags")
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    return {
        "id": name,
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
    }


@replays("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def public_access_block(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("bucket")
    inputs.provider_only("skipDestroy")
    ctx.client("s3").put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration=present(
            BlockPublicAcls=inputs.get("blockPublicAcls"),
            BlockPublicPolicy=inputs.get("blockPublicPolicy"),
            IgnorePublicAcls=inputs.get("ignorePublicAcls"),
            RestrictPublicBuckets=inputs.get("restrictPublicBuckets"),
        ),
    )
    return {"id": name, "bucket": name}


@replays("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
def versioning(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("bucket")
    configuration = inputs.section("versioningConfiguration")
    status = configuration.require("status")
    if status != "Disabled":  # "Disabled" is the provider's way of saying "never enabled": no call
        ctx.client("s3").put_bucket_versioning(
            **present(
                Bucket=name,
                VersioningConfiguration=present(Status=status, MFADelete=configuration.get("mfaDelete")),
                MFA=inputs.get("mfa"),
                ExpectedBucketOwner=inputs.get("expectedBucketOwner"),
            )
        )
    return {"id": name, "bucket": name}


@replays(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
def encryption(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    s3 = ctx.client("s3")
    name = inputs.require("bucket")
    configuration = _member(s3, "PutBucketEncryption", "ServerSideEncryptionConfiguration")
    s3.put_bucket_encryption(
        **present(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": inputs.convert("rules", configuration.members["Rules"])
            },
            ExpectedBucketOwner=inputs.get("expectedBucketOwner"),
        )
    )
    return {"id": name, "bucket": name}


@replays(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
def lifecycle(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    s3 = ctx.client("s3")
    name = inputs.require("bucket")
    configuration = _member(s3, "PutBucketLifecycleConfiguration", "LifecycleConfiguration")
    inputs.provider_only("timeouts")
    s3.put_bucket_lifecycle_configuration(
        **present(
            Bucket=name,
            LifecycleConfiguration={"Rules": inputs.convert("rules", configuration.members["Rules"])},
            ExpectedBucketOwner=inputs.get("expectedBucketOwner"),
            TransitionDefaultMinimumObjectSize=inputs.get("transitionDefaultMinimumObjectSize"),
        )
    )
    return {"id": name, "bucket": name}


@replays("aws:s3/bucketPolicy:BucketPolicy")
def bucket_policy(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("bucket")
    policy = check_policy_document(inputs.require("policy"), "resource", "policy")
    ctx.client("s3").put_bucket_policy(Bucket=name, Policy=policy)
    return {"id": name, "bucket": name}


@replays("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def ownership_controls(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("bucket")
    rule = inputs.section("rule")
    ctx.client("s3").put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": rule.require("objectOwnership")}]}
    )
    return {"id": name, "bucket": name}


def _member(client: Any, operation: str, member: str) -> Any:
    return client.meta.service_model.operation_model(operation).input_shape.members[member]
