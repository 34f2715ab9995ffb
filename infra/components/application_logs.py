"""The service's CloudWatch log groups, encrypted with their own customer-managed key."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.components.aws_context import AwsContext
from infra.components.encryption_key import EncryptionKey, ServiceGrant
from infra.config import Settings


class ApplicationLogs(pulumi.ComponentResource):
    """``/aws/eks/metrics-<env>/{application,exceptions,rejections,security-audit}``.

    CloudWatch Logs can only use a KMS key whose policy names ``logs.<region>.amazonaws.com`` and
    whose encryption context matches the log group's ARN, so the grant is scoped to this prefix.
    """

    def __init__(
        self,
        name: str,
        settings: Settings,
        context: AwsContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:ApplicationLogs", name, None, opts)
        logs = settings.logs
        prefix = logs.prefix_for(settings.environment)
        tags = settings.common_tags()
        self.prefix = prefix

        self.key = EncryptionKey(
            f"{name}-logs",
            description=f"Encrypts the {settings.service} log groups under {prefix}",
            alias=f"{settings.service}-{settings.environment}-logs",
            grants=[
                ServiceGrant(
                    sid="CloudWatchLogsUse",
                    service=f"logs.{context.region}.amazonaws.com",
                    actions=(
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ),
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": context.arn("logs", f"log-group:{prefix}/*")
                        }
                    },
                )
            ],
            context=context,
            deletion_window_days=logs.kms_key_deletion_window_days,
            tags=tags,
            protect=logs.protect,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.groups: dict[str, aws.cloudwatch.LogGroup] = {}
        for group in logs.groups:
            self.groups[group] = aws.cloudwatch.LogGroup(
                f"{name}-{group}",
                name=f"{prefix}/{group}",
                retention_in_days=logs.retention_days,
                kms_key_id=self.key.arn,
                tags={**tags, "log-group": group},
                opts=pulumi.ResourceOptions(parent=self, protect=logs.protect, retain_on_delete=logs.protect),
            )
        self.group_names = {group: lg.name for group, lg in self.groups.items()}
        self.register_outputs({"groupNames": self.group_names, "kmsKeyArn": self.key.arn})
