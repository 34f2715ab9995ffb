"""S3 buckets are private, encrypted and versioned.

With pulumi-aws 7 each of those is a resource of its own that names the bucket, so these are stack
policies: for every bucket they look for the resource that configures it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .graph import StackGraph
from .logs import BUCKETS
from .values import as_list, get_path, is_set, known, reveal

PUBLIC_ACCESS_BLOCK = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
VERSIONING = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

Check = Callable[[dict[str, Any]], str | None]


def _public_access_problem(props: dict[str, Any]) -> str | None:
    open_flags = [f for f in BLOCK_FLAGS if known(props.get(f)) and reveal(props.get(f)) is not True]
    return f"{', '.join(open_flags)} not true" if open_flags else None


def _encryption_problem(props: dict[str, Any]) -> str | None:
    for rule in as_list(props.get("rules")):
        if is_set(get_path(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")):
            return None
    return "no rule sets applyServerSideEncryptionByDefault.sseAlgorithm"


def _versioning_problem(props: dict[str, Any]) -> str | None:
    status = reveal(get_path(props, "versioningConfiguration", "status"))
    return (
        None
        if status == "Enabled" or not known(status)
        else f"versioningConfiguration.status is {status!r}, not 'Enabled'"
    )


def _bucket_policy(types: tuple[str, ...], what: str, check: Check) -> Callable[..., None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        graph = StackGraph.of(args)
        for bucket in graph.of_types(BUCKETS):
            configs = graph.referencing(bucket, "bucket", types)
            if not configs:
                report_violation(f"no {types[0].rsplit(':', 1)[1]} for it: {what}", bucket.urn)
            for config in configs:
                problem = check(graph.inputs(config))
                if problem:
                    report_violation(f"{problem} (bucket {bucket.name})", config.urn)

    return validate


def _policy(name: str, description: str, validate: Callable[..., None]) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


s3_public_access_blocked = _policy(
    "s3-bucket-public-access-blocked",
    "Every S3 bucket has a public access block with all four settings on.",
    _bucket_policy(PUBLIC_ACCESS_BLOCK, "it may be made public", _public_access_problem),
)
s3_bucket_encrypted = _policy(
    "s3-bucket-encrypted",
    "Every S3 bucket has a server-side encryption configuration.",
    _bucket_policy(ENCRYPTION, "its default encryption is not declared", _encryption_problem),
)
s3_bucket_versioned = _policy(
    "s3-bucket-versioned",
    "Every S3 bucket has versioning enabled.",
    _bucket_policy(VERSIONING, "overwritten or deleted objects cannot be recovered", _versioning_problem),
)

POLICIES = [s3_public_access_blocked, s3_bucket_encrypted, s3_bucket_versioned]
