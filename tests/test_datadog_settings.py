"""The ``observability:datadog`` stack settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.settings.datadog import DatadogSettings


def test_defaults_create_nothing() -> None:
    settings = DatadogSettings()
    assert not settings.enabled
    assert settings.resolved_api_url() == "https://api.datadoghq.com/"
    assert settings.secret_keys() == []


def test_a_stack_section_in_camel_case() -> None:
    settings = DatadogSettings.model_validate(
        {
            "enabled": True,
            "site": "datadoghq.eu",
            "routing": {
                "critical": "@pagerduty-ExternalMetrics",
                "info": ["@a@example.com", "@b@example.com"],
            },
            "monitors": {
                "cpu-high": {
                    "thresholds": {"critical": 90.0, "criticalRecovery": 85},
                    "renotifyInterval": 30.0,
                },
            },
        }
    )
    assert settings.resolved_api_url() == "https://api.datadoghq.eu/"
    assert settings.routing.handles_for("critical") == ("@pagerduty-ExternalMetrics",)
    assert settings.routing.handles_for("info") == ("@a@example.com", "@b@example.com")
    override = settings.monitors["cpu-high"]
    assert override.thresholds is not None and override.thresholds.critical_recovery == 85
    assert override.renotify_interval == 30
    assert [key for key, _ in settings.secret_keys()] == ["datadogApiKey", "datadogAppKey"]


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ({"site": "datadoghq.co"}, "is not a Datadog site"),
        ({"routing": {"critical": "pagerduty-ExternalMetrics"}}, "should match pattern"),
        ({"monitors": {"cpu-high": {"thresholds": {"critical": "high"}}}}, "must be a number, got 'high'"),
        ({"monitors": {"cpu-high": {"priority": 6}}}, "less than or equal to 5"),
        ({"monitors": {"cpu-high": {"enable": False}}}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_settings_are_rejected(section: dict, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        DatadogSettings.model_validate(section)
