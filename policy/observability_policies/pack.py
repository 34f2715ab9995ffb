"""The pack: every policy, its default enforcement level, and how the pack is started."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy, PolicyPack

from . import (
    alarms,
    alert_content,
    alert_paths,
    aws_limits,
    iam,
    kubernetes,
    logs,
    plaintext_secrets,
    storage,
)
from .secret_markers import keep_secret_markers

PACK_NAME = "observability-policies"
PACK_VERSION = "0.1.0"
"""Keep equal to ``version`` in PulumiPolicy.yaml, which is what the Pulumi CLI reports."""
PACK_DESCRIPTION = (
    "Guardrails for the observability platform: log retention and encryption, alarms and monitors "
    "that reach someone, private encrypted buckets, least-privilege IAM, pinned charts, no plaintext "
    "secrets, and alerts that carry a severity and a runbook."
)
DEFAULT_ENFORCEMENT_LEVEL = EnforcementLevel.MANDATORY
ALWAYS_ENFORCED = alert_paths.ALWAYS_ENFORCED
"""Policies ``obsctl`` refuses to see disabled or advisory in a policy config (see alert_paths)."""


def policies() -> list[Policy]:
    """Every policy of the pack, with secret inputs kept visible to them (see secret_markers)."""
    keep_secret_markers()
    return [
        *logs.POLICIES,
        *alarms.POLICIES,
        *alert_paths.POLICIES,
        *aws_limits.POLICIES,
        *storage.POLICIES,
        *iam.POLICIES,
        *kubernetes.POLICIES,
        *plaintext_secrets.POLICIES,
        *alert_content.POLICIES,
    ]


def build_pack() -> PolicyPack:
    """Serve the pack to the Pulumi engine; blocks until the engine is done with it."""
    return PolicyPack(
        name=PACK_NAME,
        policies=policies(),
        enforcement_level=DEFAULT_ENFORCEMENT_LEVEL,
        description=PACK_DESCRIPTION,
    )
