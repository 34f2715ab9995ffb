"""Alarm routing (``observability:routing``): which SNS topic each severity notifies, and who listens."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from infra.settings.base import SettingsModel

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")


class Subscription(SettingsModel):
    """One listener on a severity topic.

    ``pagerduty`` is an HTTPS subscription to PagerDuty's CloudWatch integration endpoint; the
    integration key inside that URL is a secret, so the whole URL is built from ``endpointSecret``.
    """

    topic: Severity
    protocol: Literal["email", "https", "pagerduty", "sqs", "lambda"]
    endpoint: str | None = None
    endpoint_secret: str | None = Field(default=None, pattern=r"^[a-z][A-Za-z0-9]*$")
    """Name of a top-level secret config key, e.g. ``pagerdutyIntegrationKey``."""

    @model_validator(mode="after")
    def _one_endpoint(self) -> Subscription:
        if (self.endpoint is None) == (self.endpoint_secret is None):
            raise ValueError("set exactly one of endpoint or endpointSecret")
        if self.protocol in ("https", "pagerduty") and self.endpoint is not None:
            raise ValueError(
                f"a {self.protocol} endpoint carries a token: use endpointSecret and "
                "`pulumi config set --secret`"
            )
        return self


UNATTENDED_TAG = "alerts-unattended"
"""Tag on the severity topics (and Datadog monitors, as ``alerts-unattended:true``) of a stack whose
alerts may reach nobody; its value on a topic is the reason. The alert-path policy reads it."""
UNATTENDED_REASON_PATTERN = r"^[\w .:/=+@-]+$"
"""What an AWS tag value may hold (letters, digits, spaces, ``_.:/=+-@``, at most 256), at least 12
characters: a reason, not a word."""


class RoutingSettings(SettingsModel):
    routes: dict[Severity, Severity] = Field(default_factory=lambda: {s: s for s in SEVERITIES})
    """Severity of an alarm -> topic it notifies. Staging sends critical to the warning topic."""
    subscriptions: tuple[Subscription, ...] = ()
    unattended: str | None = Field(
        default=None, pattern=UNATTENDED_REASON_PATTERN, min_length=12, max_length=256
    )
    """Why this stack's alerts may reach nobody (a sandbox, a load-test stack). Without it, an alarm
    whose topic has no subscriber, or a monitor without a handle, fails the plan. The reason is
    written on the topics as the ``alerts-unattended`` tag, so the AWS console shows it too."""

    @model_validator(mode="after")
    def _every_severity_routed(self) -> RoutingSettings:
        missing = [s for s in SEVERITIES if s not in self.routes]
        if missing:
            raise ValueError(f"routes has no topic for severity {', '.join(missing)}")
        return self

    def secret_keys(self) -> list[tuple[str, str]]:
        return [
            (s.endpoint_secret, f"{s.protocol} endpoint for the {s.topic} topic")
            for s in self.subscriptions
            if s.endpoint_secret
        ]
