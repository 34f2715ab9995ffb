"""Log groups keep logs for a bounded time, encrypted, and prod's data outlives a mistaken delete."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .values import is_set, is_unknown, reveal, snapshot

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
DEFAULT_MINIMUM_RETENTION_DAYS = 90


def _log_group_retention(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != LOG_GROUP:
        return
    retention = reveal(snapshot(args.props).get("retentionInDays"))
    minimum = int(args.get_config().get("minimumRetentionDays", DEFAULT_MINIMUM_RETENTION_DAYS))
    if is_unknown(retention):
        return
    if not retention:
        report_violation("retentionInDays is not set, so the logs never expire", None)
    elif retention < minimum:
        # The engine sends every number as a double: 90.0 is the 90 the program wrote.
        shown = int(retention) if float(retention).is_integer() else retention
        report_violation(f"retentionInDays is {shown}; this stack requires at least {minimum}", None)


def _log_group_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == LOG_GROUP and not is_set(snapshot(args.props).get("kmsKeyId")):
        report_violation("kmsKeyId is not set: encrypt the log group with a customer-managed key", None)


def _data_stores_protected(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (LOG_GROUP, *BUCKETS):
        return
    if args.opts.protect:
        return
    if args.resource_type == LOG_GROUP and reveal(snapshot(args.props).get("skipDestroy")) is True:
        return
    kept_by = "protect (or skipDestroy)" if args.resource_type == LOG_GROUP else "protect"
    report_violation(f"neither protected nor retained: set {kept_by} on it", None)


log_group_retention = ResourceValidationPolicy(
    name="log-group-retention",
    description="Every CloudWatch log group expires its logs, after at least the stack's minimum retention.",
    validate=_log_group_retention,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "minimumRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "default": DEFAULT_MINIMUM_RETENTION_DAYS,
                "description": "The shortest retention, in days, a log group of this stack may have.",
            }
        }
    ),
    remediation_steps="Set retentionInDays (observability:logs.retentionDays) to at least the minimum.",
)

log_group_encrypted = ResourceValidationPolicy(
    name="log-group-encrypted",
    description="Every CloudWatch log group is encrypted with a KMS key.",
    validate=_log_group_encrypted,
    enforcement_level=EnforcementLevel.MANDATORY,
)

data_stores_protected = ResourceValidationPolicy(
    name="data-stores-protected",
    description=(
        "Log groups and S3 buckets are protected, or retained, so that removing them from code "
        "cannot delete their data. Analyzers are not told about retainOnDelete, so protect is what counts."
    ),
    validate=_data_stores_protected,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps="Set observability:logs.protect: true for the stack.",
)

POLICIES = [log_group_retention, log_group_encrypted, data_stores_protected]
