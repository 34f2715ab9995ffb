"""Policies of the monitoring cluster's IRSA roles: each role does one job and trusts one service account."""

from __future__ import annotations

import json
from typing import Any

from infra.helm.values import irsa_trust_policy
from infra.settings.kubernetes import MonitoringClusterSettings

LOKI_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
"""What Loki does with chunks and index files; DeleteObject is how the compactor enforces retention."""
LOKI_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

GRAFANA_CLOUDWATCH_READ: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ReadMetrics",
        (
            "cloudwatch:DescribeAlarmHistory",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DescribeAlarmsForMetric",
            "cloudwatch:GetInsightRuleReport",
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
        ),
    ),
    (
        "QueryLogs",
        (
            "logs:DescribeLogGroups",
            "logs:GetLogEvents",
            "logs:GetLogGroupFields",
            "logs:GetQueryResults",
            "logs:StartQuery",
            "logs:StopQuery",
        ),
    ),
    ("ResolveDimensions", ("ec2:DescribeInstances", "ec2:DescribeRegions", "ec2:DescribeTags")),
    ("ResolveTags", ("tag:GetResources",)),
)
"""The read-only calls Grafana's CloudWatch datasource documents for metrics, Logs Insights queries and
its dimension/tag pickers. None of these APIs takes a resource ARN for reading, hence ``*``; nothing
here writes, and cross-account observability (``oam:*``) is left out because this stack does not use it."""


def trust_policy(cluster: MonitoringClusterSettings, service_account: str) -> str:
    """Only ``system:serviceaccount:<namespace>:<service_account>`` of this cluster may assume the role."""
    return _json(
        irsa_trust_policy(cluster.oidc_provider_arn, cluster.oidc_issuer, cluster.namespace, service_account)
    )


def loki_storage_policy(bucket_arn: str, key_arn: str | None, region: str) -> str:
    """Read, write and delete objects of one bucket, and use its key.

    ``key_arn`` is the bucket's customer-managed key when this stack created the bucket. For a bucket
    named in config its key is unknown here, so the grant is bounded by use through S3 for that bucket.
    """
    key_statement: dict[str, Any] = {
        "Sid": "ChunkEncryption",
        "Effect": "Allow",
        "Action": list(LOKI_KEY_ACTIONS),
    }
    if key_arn is not None:
        key_statement["Resource"] = key_arn
    else:
        key_statement["Resource"] = "*"
        key_statement["Condition"] = {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
        }
    return _json(
        [
            {"Sid": "ListChunks", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket_arn},
            {
                "Sid": "ReadWriteChunks",
                "Effect": "Allow",
                "Action": list(LOKI_OBJECT_ACTIONS),
                "Resource": f"{bucket_arn}/*",
            },
            key_statement,
        ]
    )


def grafana_cloudwatch_policy() -> str:
    return _json(
        [
            {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*"}
            for sid, actions in GRAFANA_CLOUDWATCH_READ
        ]
    )


def _json(document: dict[str, Any] | list[dict[str, Any]]) -> str:
    if isinstance(document, list):
        document = {"Version": "2012-10-17", "Statement": document}
    return json.dumps(document, sort_keys=True)
