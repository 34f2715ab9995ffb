"""CloudWatch Logs -> subscription filter -> Kinesis Data Firehose -> Datadog or OpenSearch.

Nothing is lost: Firehose retries for up to two hours, and every record it still cannot deliver lands
in a private, versioned, KMS-encrypted S3 bucket that keeps it for the remote retention period.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.aws_context import AwsContext
from infra.components.encrypted_bucket import EncryptedBucket
from infra.components.encryption_key import EncryptionKey
from infra.config import Settings
from infra.settings.forwarding import DATADOG_INTAKE


class LogForwarding(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        context: AwsContext,
        log_groups: dict[str, aws.cloudwatch.LogGroup],
        error_log_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:LogForwarding", name, None, opts)
        forwarding = settings.forwarding
        tags = settings.common_tags()
        prefix = f"{settings.service}-{settings.environment}"
        protect = settings.logs.protect
        child = pulumi.ResourceOptions(parent=self)

        self.key = EncryptionKey(
            f"{name}-encryption",
            description=f"Encrypts {prefix} log records Firehose could not deliver",
            alias=f"{prefix}-log-forwarding",
            grants=[],
            context=context,
            deletion_window_days=settings.logs.kms_key_deletion_window_days,
            tags=tags,
            protect=protect,
            opts=child,
        )
        self.backup = EncryptedBucket(
            f"{name}-backup",
            bucket_name=f"{prefix}-log-forwarding-backup",
            kms_key_arn=self.key.arn,
            expire_after_days=forwarding.remote_retention_days,
            tags=tags,
            protect=protect,
            opts=child,
        )
        error_group = aws.cloudwatch.LogGroup(
            f"{name}-delivery-errors",
            name=f"{settings.logs.prefix_for(settings.environment)}/firehose-delivery-errors",
            retention_in_days=settings.logs.retention_days,
            kms_key_id=error_log_key_arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
        aws.cloudwatch.LogStream(
            f"{name}-delivery-errors-stream",
            name="delivery",
            log_group_name=error_group.name,
            opts=pulumi.ResourceOptions(parent=error_group),
        )

        firehose_role = aws.iam.Role(
            f"{name}-firehose",
            name=f"{prefix}-log-forwarding-firehose",
            assume_role_policy=context.account_id.apply(
                lambda account: _trust(
                    "firehose.amazonaws.com", {"StringEquals": {"sts:ExternalId": account}}
                )
            ),
            tags=tags,
            opts=child,
        )
        firehose_policy = aws.iam.RolePolicy(
            f"{name}-firehose-access",
            role=firehose_role.id,
            policy=pulumi.Output.all(self.backup.arn, self.key.arn, error_group.arn).apply(
                lambda parts: _firehose_policy(
                    parts[0], parts[1], parts[2], context.region, forwarding.opensearch
                )
            ),
            opts=pulumi.ResourceOptions(parent=firehose_role),
        )

        s3_configuration = {
            "role_arn": firehose_role.arn,
            "bucket_arn": self.backup.arn,
            "kms_key_arn": self.key.arn,
            "compression_format": "GZIP",
            "prefix": "failed/",
            "error_output_prefix": "errors/!{firehose:error-output-type}/",
            "buffering_interval": 300,
            "buffering_size": 5,
        }
        logging_options = {
            "enabled": True,
            "log_group_name": error_group.name,
            "log_stream_name": "delivery",
        }
        stream_args: dict[str, Any] = {}
        if forwarding.destination == "datadog":
            stream_args["destination"] = "http_endpoint"
            stream_args["http_endpoint_configuration"] = {
                "name": "Datadog",
                "url": DATADOG_INTAKE[forwarding.datadog_site],
                "access_key": pulumi.Output.secret(settings.secret("datadogApiKey").reveal()),
                "role_arn": firehose_role.arn,
                "retry_duration": forwarding.retry_seconds,
                "buffering_interval": forwarding.buffering_seconds,
                "buffering_size": forwarding.buffering_mb,
                "s3_backup_mode": "FailedDataOnly",
                "s3_configuration": s3_configuration,
                "request_configuration": {
                    "content_encoding": "GZIP",
                    "common_attributes": [
                        {"name": "env", "value": settings.environment},
                        {"name": "service", "value": settings.service},
                    ],
                },
                "cloudwatch_logging_options": logging_options,
            }
        else:
            assert forwarding.opensearch is not None
            stream_args["destination"] = "opensearch"
            stream_args["opensearch_configuration"] = {
                "domain_arn": forwarding.opensearch.domain_arn,
                "index_name": forwarding.opensearch.index_name,
                "index_rotation_period": forwarding.opensearch.index_rotation,
                "role_arn": firehose_role.arn,
                "retry_duration": forwarding.retry_seconds,
                "buffering_interval": forwarding.buffering_seconds,
                "buffering_size": forwarding.buffering_mb,
                "s3_backup_mode": "FailedDocumentsOnly",
                "s3_configuration": s3_configuration,
                "cloudwatch_logging_options": logging_options,
            }
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-stream",
            name=f"{prefix}-logs",
            server_side_encryption={
                "enabled": True,
                "key_type": "CUSTOMER_MANAGED_CMK",
                "key_arn": self.key.arn,
            },
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[firehose_policy]),
            **stream_args,
        )

        logs_role = aws.iam.Role(
            f"{name}-subscription",
            name=f"{prefix}-log-forwarding-subscription",
            assume_role_policy=context.arn(
                "logs", f"log-group:{settings.logs.prefix_for(settings.environment)}/*"
            ).apply(
                lambda source: _trust(
                    f"logs.{context.region}.amazonaws.com", {"ArnLike": {"aws:SourceArn": source}}
                )
            ),
            tags=tags,
            opts=child,
        )
        logs_policy = aws.iam.RolePolicy(
            f"{name}-subscription-access",
            role=logs_role.id,
            policy=self.stream.arn.apply(
                lambda arn: _document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                            "Resource": arn,
                        }
                    ]
                )
            ),
            opts=pulumi.ResourceOptions(parent=logs_role),
        )
        for group_name in forwarding.log_groups:
            aws.cloudwatch.LogSubscriptionFilter(
                f"{name}-{group_name}",
                name=f"{prefix}-forward-{group_name}",
                log_group=log_groups[group_name].name,
                filter_pattern=forwarding.filter_pattern,
                destination_arn=self.stream.arn,
                role_arn=logs_role.arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[logs_policy]),
            )
        self.register_outputs({"streamArn": self.stream.arn, "backupBucket": self.backup.name})


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _trust(service: str, condition: dict[str, Any]) -> str:
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ]
    )


def _firehose_policy(
    bucket_arn: str, key_arn: str, error_group_arn: str, region: str, opensearch: Any
) -> str:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "BackupBucket",
            "Effect": "Allow",
            "Action": [
                "s3:AbortMultipartUpload",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:PutObject",
            ],
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
        },
        {
            "Sid": "BackupEncryption",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "DeliveryErrors",
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents"],
            "Resource": f"{error_group_arn}:*",
        },
    ]
    if opensearch is not None:
        statements.append(
            {
                "Sid": "OpenSearchDelivery",
                "Effect": "Allow",
                "Action": [
                    "es:DescribeDomain",
                    "es:DescribeDomains",
                    "es:DescribeDomainConfig",
                    "es:ESHttpPost",
                    "es:ESHttpPut",
                ],
                "Resource": [opensearch.domain_arn, f"{opensearch.domain_arn}/*"],
            }
        )
    return _document(statements)
