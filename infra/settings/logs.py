"""Settings for the application log groups (``observability:logs``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from infra.catalog.cloudwatch.aws_models import allowed_log_retention_days
from infra.settings.base import SettingsModel, WholeNumber

DEFAULT_LOG_GROUPS = ("application", "exceptions", "rejections", "security-audit")
"""The External Metrics service's log groups, named in the design notes."""


def check_retention(days: int) -> int:
    allowed = allowed_log_retention_days()
    if days not in allowed:
        raise ValueError(
            f"is not a CloudWatch retention value (allowed: {', '.join(str(d) for d in allowed)})"
        )
    return days


class LogsSettings(SettingsModel):
    retention_days: WholeNumber = 14
    """Local retention in CloudWatch Logs. Design notes: 7 days locally; prod keeps 90."""
    group_prefix: str | None = None
    """Defaults to ``/aws/eks/metrics-<stack>``, the naming used by the design notes."""
    groups: tuple[str, ...] = DEFAULT_LOG_GROUPS
    protect: bool = False
    """Protect everything that holds this stack's data: log groups, buckets and every KMS key (kept
    if removed from code), the monitoring namespace and the Helm releases with volumes, and Grafana
    folders (not deleted while they hold dashboards). Prod sets it; ``data-stores-protected``
    checks it."""
    kms_key_deletion_window_days: WholeNumber = Field(default=30, ge=7, le=30)

    @field_validator("retention_days")
    @classmethod
    def _retention_is_allowed(cls, value: int) -> int:
        return check_retention(value)

    @field_validator("groups")
    @classmethod
    def _groups_are_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one log group")
        duplicates = sorted({g for g in value if value.count(g) > 1})
        if duplicates:
            raise ValueError(f"lists {', '.join(duplicates)} more than once")
        return value

    def prefix_for(self, stack: str) -> str:
        return self.group_prefix or f"/aws/eks/metrics-{stack}"
