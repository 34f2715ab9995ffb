"""Values of the exporters: Postgres, Redis and blackbox probes of the services' health endpoints."""

from __future__ import annotations

from typing import Any

from infra.helm.values.common import POSTGRES_PASSWORD_KEY, REDIS_PASSWORD_KEY, selector_labels
from infra.settings.kubernetes import MonitoringClusterSettings
from infra.settings.kubernetes_types import resources

HTTP_MODULE = "http_2xx"
HTTPS_MODULE = "https_2xx"
"""Like ``http_2xx``, and fails when the endpoint does not answer over TLS. Every https probe
exports ``probe_ssl_earliest_cert_expiry``, the metric certificate-expiry alerts read."""
PROBE_TIMEOUT = "10s"
SCRAPE_INTERVAL = "30s"
_EXPORTER_RESOURCES = resources("10m", "32Mi", memory_limit="64Mi").as_values()


def postgres_exporter_values(
    settings: MonitoringClusterSettings,
    *,
    password_secret_name: str,
    kube_prometheus_stack_release: str,
) -> dict[str, Any]:
    """Values for postgres-exporter; the password is read from key ``password`` of the named Secret."""
    postgres = settings.postgres_exporter
    if postgres is None:
        raise ValueError("monitoringCluster.postgresExporter is not configured")
    return {
        "config": {
            "datasource": {
                "host": postgres.host,
                "port": str(postgres.port),
                "database": postgres.database,
                "user": postgres.user,
                "sslmode": postgres.ssl_mode,
                "passwordSecret": {"name": password_secret_name, "key": POSTGRES_PASSWORD_KEY},
            }
        },
        "resources": _EXPORTER_RESOURCES,
        "serviceMonitor": {
            "enabled": True,
            "interval": SCRAPE_INTERVAL,
            "labels": selector_labels(kube_prometheus_stack_release),
        },
    }


def redis_exporter_values(
    settings: MonitoringClusterSettings,
    *,
    password_secret_name: str,
    kube_prometheus_stack_release: str,
) -> dict[str, Any]:
    """Values for redis-exporter; the password is read from key ``password`` of the named Secret."""
    redis = settings.redis_exporter
    if redis is None:
        raise ValueError("monitoringCluster.redisExporter is not configured")
    auth: dict[str, Any] = {"enabled": redis.auth}
    if redis.auth:
        auth["secret"] = {"name": password_secret_name, "key": REDIS_PASSWORD_KEY}
    if redis.user:
        auth["redisUser"] = redis.user
    return {
        "redisAddress": redis.address,
        "auth": auth,
        "resources": _EXPORTER_RESOURCES,
        "serviceMonitor": {
            "enabled": True,
            "interval": SCRAPE_INTERVAL,
            "labels": selector_labels(kube_prometheus_stack_release),
        },
    }


def blackbox_exporter_values(
    settings: MonitoringClusterSettings, *, kube_prometheus_stack_release: str
) -> dict[str, Any]:
    """Values for blackbox-exporter: one ServiceMonitor per probe target, https ones checked for TLS."""
    blackbox = settings.blackbox
    http_probe = {
        "valid_http_versions": ["HTTP/1.1", "HTTP/2.0"],
        "follow_redirects": True,
        "preferred_ip_protocol": "ip4",
    }
    return {
        "config": {
            "modules": {
                HTTP_MODULE: {"prober": "http", "timeout": PROBE_TIMEOUT, "http": http_probe},
                HTTPS_MODULE: {
                    "prober": "http",
                    "timeout": PROBE_TIMEOUT,
                    "http": {**http_probe, "fail_if_not_ssl": True},
                },
            }
        },
        "resources": _EXPORTER_RESOURCES,
        "serviceMonitor": {
            "enabled": True,
            "defaults": {
                "labels": selector_labels(kube_prometheus_stack_release),
                "interval": blackbox.interval,
                "scrapeTimeout": PROBE_TIMEOUT,
                "module": HTTP_MODULE,
            },
            "targets": [
                {
                    "name": target.name,
                    "url": target.url,
                    "module": HTTPS_MODULE if target.is_https else HTTP_MODULE,
                }
                for target in blackbox.probe_targets()
            ],
        },
    }
