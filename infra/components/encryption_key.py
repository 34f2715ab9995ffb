"""A customer-managed KMS key whose policy names exactly which AWS services may use it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.aws_context import AwsContext


@dataclass(frozen=True)
class ServiceGrant:
    """Lets an AWS service principal use the key, optionally only for one encryption context."""

    sid: str
    service: str
    actions: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey*")
    conditions: dict[str, Any] = field(default_factory=dict)


class EncryptionKey(pulumi.ComponentResource):
    """KMS key + alias. Rotation is on; the account root keeps administration so the key is never orphaned."""

    def __init__(
        self,
        name: str,
        *,
        description: str,
        alias: str,
        grants: list[ServiceGrant],
        context: AwsContext,
        deletion_window_days: int,
        tags: dict[str, str],
        protect: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:EncryptionKey", name, None, opts)
        policy = pulumi.Output.all(context.account_root(), *[_resolve(g) for g in grants]).apply(
            lambda parts: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministration",
                            "Effect": "Allow",
                            "Principal": {"AWS": parts[0]},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        *parts[1:],
                    ],
                },
                sort_keys=True,
            )
        )
        child = pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_days,
            policy=policy,
            tags=tags,
            opts=child,
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{alias}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.key.arn, "alias": self.alias.name})


def _resolve(grant: ServiceGrant) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.from_input(grant.conditions).apply(
        lambda conditions: {
            "Sid": grant.sid,
            "Effect": "Allow",
            "Principal": {"Service": grant.service},
            "Action": list(grant.actions),
            "Resource": "*",
            **({"Condition": conditions} if conditions else {}),
        }
    )
