"""Values of kube-prometheus-stack: Prometheus, Alertmanager, Grafana and the operator."""

from __future__ import annotations

from typing import Any

from infra.helm.values.common import (
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    anti_affinity_preset,
    irsa_annotations,
    loki_gateway_url,
    selector_labels,
    volume_claim_template,
)
from infra.settings.kubernetes import GrafanaSettings, MonitoringClusterSettings

GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"
"""ConfigMaps with this label (value ``"1"``), in any namespace, are loaded as Grafana dashboards."""
LOKI_DATASOURCE_UID = "loki"


def kube_prometheus_stack_values(
    settings: MonitoringClusterSettings,
    *,
    release_name: str,
    environment: str,
    grafana_admin_secret_name: str,
    alertmanager_config_secret_name: str,
    loki_release_name: str | None = None,
    datasources_from_helm: bool = True,
    grafana_role_arn: Any = None,
) -> dict[str, Any]:
    """Values for one environment's kube-prometheus-stack release.

    ``grafana_admin_secret_name`` names a Secret with keys ``admin-user`` and ``admin-password``;
    ``alertmanager_config_secret_name`` a Secret whose ``alertmanager.yaml`` is the whole
    Alertmanager configuration (receivers carry tokens, so it never travels in values).

    Datasources come from exactly one place. With ``datasources_from_helm`` the chart provisions
    Prometheus (uid ``prometheus``), Alertmanager and, given ``loki_release_name``, Loki (uid
    ``loki``); without it none are provisioned, for stacks whose Grafana provider creates them
    (provisioned datasources cannot be changed through the API). ``grafana_role_arn`` may be a
    Pulumi ``Output``.
    """
    selector = {"matchLabels": selector_labels(release_name)}
    prometheus = settings.prometheus
    alertmanager = settings.alertmanager
    values: dict[str, Any] = {
        # Resource names follow the release name exactly, whatever Helm's naming rules would add.
        "fullnameOverride": release_name,
        # The CRDs ship in the chart's crds/ directory, so Helm installs them before any template and
        # PrometheusRules can be created in the same `pulumi up`, once the release is ready.
        "crds": {"enabled": True},
        # alerts/prometheus/heartbeat.yaml defines the dead man's switch and Alertmanager routes it
        # to a heartbeat service; the chart's own Watchdog would only reach the default receiver.
        "defaultRules": {"disabled": {"Watchdog": True}},
        "prometheus": {
            "prometheusSpec": {
                "replicas": prometheus.replicas,
                "retention": prometheus.retention,
                "retentionSize": prometheus.effective_retention_size(),
                "scrapeInterval": prometheus.scrape_interval,
                "externalLabels": {"cluster": settings.cluster_name, "environment": environment},
                "storageSpec": {
                    "volumeClaimTemplate": volume_claim_template(
                        prometheus.storage_class, prometheus.storage_size
                    )
                },
                "resources": prometheus.resources.as_values(),
                "podAntiAffinity": anti_affinity_preset(prometheus.pod_anti_affinity),
                "podAntiAffinityTopologyKey": prometheus.anti_affinity_topology_key,
                # Select by one explicit label rather than by the chart's implicit defaults, so
                # the contract with the component is visible: `release: <release name>`.
                "ruleSelectorNilUsesHelmValues": False,
                "ruleSelector": selector,
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "serviceMonitorSelector": selector,
                "podMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelector": selector,
                "probeSelectorNilUsesHelmValues": False,
                "probeSelector": selector,
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "replicas": alertmanager.replicas,
                "retention": alertmanager.retention,
                "podAntiAffinity": anti_affinity_preset(alertmanager.pod_anti_affinity),
                "storage": {
                    "volumeClaimTemplate": volume_claim_template(
                        alertmanager.storage.storage_class, alertmanager.storage.size
                    )
                },
                "resources": alertmanager.resources.as_values(),
                # The chart then renders no configuration Secret of its own.
                "useExistingSecret": True,
                "configSecret": alertmanager_config_secret_name,
            }
        },
        "grafana": _grafana_values(
            settings.grafana,
            service_account=grafana_service_account_name(release_name),
            admin_secret_name=grafana_admin_secret_name,
            datasources_from_helm=datasources_from_helm,
            loki_url=loki_gateway_url(loki_release_name, settings.namespace) if loki_release_name else None,
            role_arn=grafana_role_arn,
        ),
    }
    return values


def grafana_service_account_name(release_name: str) -> str:
    """Grafana's service account, named explicitly so an IRSA trust policy can name it too."""
    return f"{release_name}-grafana"


def _grafana_values(
    grafana: GrafanaSettings,
    *,
    service_account: str,
    admin_secret_name: str,
    datasources_from_helm: bool,
    loki_url: str | None,
    role_arn: Any,
) -> dict[str, Any]:
    ingress_annotations = (
        {"cert-manager.io/cluster-issuer": grafana.cluster_issuer} if grafana.cluster_issuer else {}
    )
    values: dict[str, Any] = {
        "resources": grafana.resources.as_values(),
        "admin": {
            "existingSecret": admin_secret_name,
            "userKey": GRAFANA_ADMIN_USER_KEY,
            "passwordKey": GRAFANA_ADMIN_PASSWORD_KEY,
        },
        "ingress": {
            "enabled": True,
            "ingressClassName": grafana.ingress_class,
            "annotations": ingress_annotations,
            "hosts": [grafana.hostname],
            "path": "/",
            "tls": [{"secretName": grafana.tls_secret_name, "hosts": [grafana.hostname]}],
        },
        "grafana.ini": {
            "server": {"root_url": f"https://{grafana.hostname}"},
            "security": {"cookie_secure": True},
            "users": {"allow_sign_up": False},
            "auth.anonymous": {"enabled": False},
            "analytics": {"reporting_enabled": False, "check_for_updates": False},
        },
        "sidecar": {
            "dashboards": {"enabled": True, "label": GRAFANA_DASHBOARD_LABEL, "searchNamespace": "ALL"},
            "datasources": {
                "defaultDatasourceEnabled": datasources_from_helm,
                "alertmanager": {"enabled": datasources_from_helm},
            },
        },
        "serviceAccount": {
            "create": True,
            "name": service_account,
            "annotations": irsa_annotations(role_arn),
        },
    }
    if datasources_from_helm and loki_url:
        values["additionalDataSources"] = [
            {
                "name": "Loki",
                "type": "loki",
                "uid": LOKI_DATASOURCE_UID,
                "access": "proxy",
                "url": loki_url,
                "editable": False,
            }
        ]
    return values
