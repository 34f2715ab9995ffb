"""The ``observability:monitoringCluster`` settings section: defaults, and bad input rejected."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.settings.kubernetes import MonitoringClusterSettings
from infra.settings.kubernetes_types import byte_size_value, quantity_value
from tests.test_helm_values import PROD, STAGING


def settings(**overrides: Any) -> MonitoringClusterSettings:
    return MonitoringClusterSettings.model_validate({**STAGING, **overrides})


def rejected(match: str, **overrides: Any) -> None:
    with pytest.raises(ValidationError, match=match):
        settings(**overrides)


def test_defaults_are_the_staging_shape() -> None:
    staging = settings()
    assert staging.namespace == "monitoring"
    assert (staging.prometheus.replicas, staging.alertmanager.replicas) == (1, 1)
    assert staging.prometheus.pod_anti_affinity == "soft"
    assert staging.prometheus.effective_retention_size() == "40GB"
    assert staging.loki.retention_days == 14
    assert staging.shipper.syslog_port == 1514
    assert staging.kubeconfig.stack_reference is not None
    assert staging.kubeconfig.stack_reference.output == "kubeconfig"


def test_secret_keys_follow_the_enabled_features() -> None:
    assert [key for key, _ in MonitoringClusterSettings.model_validate(PROD).secret_keys()] == [
        "grafanaAdminPassword",
        "kubeconfig",
        "postgresExporterPassword",
        "redisPassword",
    ]
    minimal = settings(postgresExporter=None, redisExporter={"address": "redis://r:6379", "auth": False})
    assert [key for key, _ in minimal.secret_keys()] == ["grafanaAdminPassword"]


def test_blackbox_targets_default_to_the_services_health_endpoints() -> None:
    targets = settings(blackbox={"services": [{"name": "api", "baseUrl": "https://api.example.com/"}]})
    assert [(t.name, t.url) for t in targets.blackbox.probe_targets()] == [
        ("api-health", "https://api.example.com/health"),
        ("api-ready", "https://api.example.com/health/ready"),
    ]


def test_the_oidc_url_gets_its_scheme_and_the_issuer_drops_it() -> None:
    prod = MonitoringClusterSettings.model_validate(PROD)
    assert prod.oidc_provider_url == "https://oidc.eks.us-east-1.amazonaws.com/id/PROD"
    assert prod.oidc_issuer == "oidc.eks.us-east-1.amazonaws.com/id/PROD"


@pytest.mark.parametrize(
    ("match", "overrides"),
    [
        ("exactly one of secret or stackReference", {"kubeconfig": {}}),
        (
            "exactly one of secret or stackReference",
            {"kubeconfig": {"secret": "kubeconfig", "stackReference": {"name": "a/b/c"}}},
        ),
        ("retentionDays|greater than or equal to 1", {"loki": {"retentionDays": 0}}),
        ("does not fit the 50Gi volume", {"prometheus": {"retentionSize": "60GB"}}),
        ("not a Prometheus duration", {"prometheus": {"retention": "30 days"}}),
        ("not a Prometheus size", {"prometheus": {"retentionSize": "40G"}}),
        ("not a Kubernetes quantity", {"prometheus": {"storageSize": "50 GB"}}),
        (
            "limits.memory 1Gi is below requests.memory 2Gi",
            {"prometheus": {"resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}}},
        ),
        (
            "does not name the provider",
            {"oidcProviderUrl": "https://oidc.eks.us-east-1.amazonaws.com/id/OTHER"},
        ),
        (
            "probe target names must be unique: api-health",
            {
                "blackbox": {
                    "services": [{"name": "api", "baseUrl": "https://a.example.com"}],
                    "targets": [{"name": "api-health", "url": "https://b.example.com"}],
                }
            },
        ),
        ("Extra inputs are not permitted", {"prometheus": {"retentionn": "30d"}}),
        ("syslogPort|greater than or equal to 1024", {"shipper": {"syslogPort": 514}}),
        ("String should match pattern", {"redisExporter": {"address": "myredis:6379"}}),
        ("Input should be 'hard', 'soft' or 'none'", {"alertmanager": {"podAntiAffinity": "strict"}}),
    ],
)
def test_bad_settings_are_rejected(match: str, overrides: dict[str, Any]) -> None:
    rejected(match, **overrides)


def test_quantities_and_sizes_are_read_as_kubernetes_and_prometheus_do() -> None:
    assert quantity_value("500m") == 0.5
    assert quantity_value("2Gi") == 2 * 2**30
    assert quantity_value("1G") == 1e9
    assert byte_size_value("40GB") == 40 * 2**30
    assert byte_size_value("1.5TiB") == int(1.5 * 2**40)
