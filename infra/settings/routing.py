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


class RoutingSettings(SettingsModel):
    routes: dict[Severity, Severity] = Field(default_factory=lambda: {s: s for s in SEVERITIES})
    """Severity of an alarm -> topic it notifies. Staging sends critical to the warning topic."""
    subscriptions: tuple[Subscription, ...] = ()

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
