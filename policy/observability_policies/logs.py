"""Log groups keep logs for a bounded time, encrypted, and prod's data outlives a mistaken delete."""

from __future__ import annotations

from typing import Any

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
KMS_KEY = "aws:kms/key:Key"
NAMESPACE = "kubernetes:core/v1:Namespace"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
GRAFANA_FOLDERS = ("grafana:oss/folder:Folder", "grafana:index/folder:Folder")
VOLUME_VALUE_KEYS = frozenset({"storageSpec", "volumeClaimTemplate", "persistence"})
"""Helm values that request persistent volumes (equal to infra.helm.values.common's; the pack is
standalone)."""
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
    kind = args.resource_type
    props = snapshot(args.props)
    if kind in GRAFANA_FOLDERS:
        if not args.opts.protect and reveal(props.get("preventDestroyIfNotEmpty")) is not True:
            report_violation(
                "preventDestroyIfNotEmpty is not set: deleting the folder deletes the dashboards "
                "people made in it",
                None,
            )
        return
    if args.opts.protect:
        return
    if kind == LOG_GROUP:
        if reveal(props.get("skipDestroy")) is not True:
            report_violation("neither protected nor retained: set protect (or skipDestroy) on it", None)
    elif kind in BUCKETS:
        report_violation("neither protected nor retained: set protect on it", None)
    elif kind == KMS_KEY:
        report_violation(
            "not protected: deleting the key makes everything encrypted with it unreadable", None
        )
    elif kind == NAMESPACE:
        report_violation(
            "not protected: deleting the namespace deletes its PersistentVolumeClaims and their volumes",
            None,
        )
    elif kind == HELM_RELEASE and _requests_volumes(reveal(props.get("values"))):
        report_violation(
            "not protected, and its values request persistent volumes: uninstalling or replacing the "
            "release can delete their data",
            None,
        )


def _requests_volumes(values: Any) -> bool:
    if isinstance(values, dict):
        for key, value in values.items():
            if (
                key in VOLUME_VALUE_KEYS
                and value
                and not (isinstance(value, dict) and value.get("enabled") is False)
            ):
                return True
            if _requests_volumes(value):
                return True
    elif isinstance(values, list):
        return any(_requests_volumes(item) for item in values)
    return False


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
        "Everything holding the stack's data outlives a mistaken delete: log groups, S3 buckets, KMS "
        "keys, namespaces and Helm releases with persistent volumes are protected (analyzers are not "
        "told about retainOnDelete, so protect is what counts), and Grafana folders are not deleted "
        "while they hold dashboards."
    ),
    validate=_data_stores_protected,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps="Set observability:logs.protect: true for the stack.",
)

POLICIES = [log_group_retention, log_group_encrypted, data_stores_protected]
