"""Log forwarding (``observability:forwarding``): CloudWatch Logs -> Firehose -> Datadog or OpenSearch."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.settings.base import SettingsModel, WholeNumber

DATADOG_INTAKE = {
    "datadoghq.com": "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input",
    "datadoghq.eu": "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input",
    "us3.datadoghq.com": "https://aws-kinesis-http-intake.logs.us3.datadoghq.com/v1/input",
    "us5.datadoghq.com": "https://aws-kinesis-http-intake.logs.us5.datadoghq.com/v1/input",
    "ap1.datadoghq.com": "https://aws-kinesis-http-intake.logs.ap1.datadoghq.com/v1/input",
}
"""Datadog's Kinesis Firehose HTTP intake per site."""


class OpenSearchDestination(SettingsModel):
    domain_arn: str = Field(pattern=r"^arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain/[a-z][a-z0-9-]{2,27}$")
    index_name: str = "logs"
    index_rotation: Literal["NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth"] = "OneDay"


class ForwardingSettings(SettingsModel):
    enabled: bool = False
    destination: Literal["datadog", "opensearch"] = "datadog"
    log_groups: tuple[str, ...] = ("application", "exceptions", "rejections", "security-audit")
    """Names from ``observability:logs.groups`` whose events are forwarded."""
    filter_pattern: str = ""
    """CloudWatch Logs filter pattern; empty forwards every event."""
    remote_retention_days: WholeNumber = Field(default=30, ge=1, le=3653)
    """How long failed-delivery backups are kept in S3 (design notes: remote retention 30 days)."""
    datadog_site: str = "datadoghq.com"
    opensearch: OpenSearchDestination | None = None
    retry_seconds: WholeNumber = Field(default=7200, ge=0, le=7200)
    """Firehose retries this long before a record goes to the backup bucket; the maximum loses least."""
    buffering_seconds: WholeNumber = Field(default=60, ge=0, le=900)
    buffering_mb: WholeNumber = Field(default=4, ge=1, le=64)

    @field_validator("datadog_site")
    @classmethod
    def _known_site(cls, value: str) -> str:
        if value not in DATADOG_INTAKE:
            raise ValueError(f"is not a Datadog site (known: {', '.join(sorted(DATADOG_INTAKE))})")
        return value

    @model_validator(mode="after")
    def _destination_configured(self) -> ForwardingSettings:
        if self.enabled and self.destination == "opensearch" and self.opensearch is None:
            raise ValueError("destination opensearch needs an opensearch: {domainArn: ...} section")
        return self

    def secret_keys(self) -> list[tuple[str, str]]:
        if self.enabled and self.destination == "datadog":
            return [("datadogApiKey", "Datadog API key for log forwarding")]
        return []
