"""Per-environment Helm values, built from :class:`~infra.settings.kubernetes.MonitoringClusterSettings`.

Every builder returns plain data (plus any Pulumi ``Output`` passed in, such as a role ARN) that
validates against the pinned chart's key index. Secrets are referenced by Kubernetes Secret name,
never included: the component creates those Secrets from Pulumi secrets, with the keys named in
:mod:`infra.helm.values.common`.
"""

from infra.helm.values.alloy import alloy_config, alloy_values
from infra.helm.values.common import (
    ALERTMANAGER_CONFIG_KEY,
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    POSTGRES_PASSWORD_KEY,
    REDIS_PASSWORD_KEY,
    irsa_trust_policy,
    loki_gateway_url,
    loki_push_url,
    selector_labels,
)
from infra.helm.values.exporters import (
    blackbox_exporter_values,
    postgres_exporter_values,
    redis_exporter_values,
)
from infra.helm.values.kube_prometheus_stack import (
    GRAFANA_DASHBOARD_LABEL,
    grafana_service_account_name,
    kube_prometheus_stack_values,
)
from infra.helm.values.loki import loki_values

__all__ = [
    "ALERTMANAGER_CONFIG_KEY",
    "GRAFANA_ADMIN_PASSWORD_KEY",
    "GRAFANA_ADMIN_USER_KEY",
    "GRAFANA_DASHBOARD_LABEL",
    "POSTGRES_PASSWORD_KEY",
    "REDIS_PASSWORD_KEY",
    "alloy_config",
    "alloy_values",
    "blackbox_exporter_values",
    "grafana_service_account_name",
    "irsa_trust_policy",
    "kube_prometheus_stack_values",
    "loki_gateway_url",
    "loki_push_url",
    "loki_values",
    "postgres_exporter_values",
    "redis_exporter_values",
    "selector_labels",
]
