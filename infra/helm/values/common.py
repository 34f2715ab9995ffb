"""What the builders share, and the contract between the charts and the component.

The component creates Kubernetes Secrets from Pulumi secrets; the values only name them. The key
names inside those Secrets are fixed here so both sides agree.
"""

from __future__ import annotations

from typing import Any

from infra.settings.kubernetes_types import AntiAffinity

IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"

GRAFANA_ADMIN_USER_KEY = "admin-user"
GRAFANA_ADMIN_PASSWORD_KEY = "admin-password"
"""Keys of the Grafana admin Secret (the chart's ``admin.userKey`` / ``admin.passwordKey``)."""
ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml"
"""Key of the rendered Alertmanager configuration in its Secret, as the operator reads it."""
POSTGRES_PASSWORD_KEY = "password"
REDIS_PASSWORD_KEY = "password"

LOKI_GATEWAY_PORT = 80

VOLUME_VALUE_KEYS = frozenset({"storageSpec", "volumeClaimTemplate", "persistence"})
"""Keys under which the charts deployed here request persistent volumes (kube-prometheus-stack's
``storageSpec`` and ``storage.volumeClaimTemplate``, Loki's and Grafana's ``persistence``)."""


def requests_volumes(values: Any) -> bool:
    """Whether Helm values ask for a persistent volume anywhere (``enabled: false`` does not)."""
    if isinstance(values, dict):
        for key, value in values.items():
            if (
                key in VOLUME_VALUE_KEYS
                and value
                and not (isinstance(value, dict) and value.get("enabled") is False)
            ):
                return True
            if requests_volumes(value):
                return True
    elif isinstance(values, list):
        return any(requests_volumes(item) for item in values)
    return False


def selector_labels(kube_prometheus_stack_release: str) -> dict[str, str]:
    """The labels that opt an object into this Prometheus: PrometheusRules, ServiceMonitors, Probes.

    The component must put exactly these labels on every PrometheusRule it creates.
    """
    return {"release": kube_prometheus_stack_release}


def loki_gateway_url(loki_release: str, namespace: str) -> str:
    """Loki's in-cluster entry point (its gateway); the Loki builder names it after the release."""
    return f"http://{loki_release}-gateway.{namespace}.svc.cluster.local:{LOKI_GATEWAY_PORT}"


def loki_push_url(loki_release: str, namespace: str) -> str:
    return f"{loki_gateway_url(loki_release, namespace)}/loki/api/v1/push"


def anti_affinity_preset(preset: AntiAffinity) -> str:
    """The chart's ``podAntiAffinity`` value: ``""`` turns the rule off."""
    return "" if preset == "none" else preset


def volume_claim_template(storage_class: str, size: str) -> dict[str, Any]:
    return {
        "spec": {
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
        }
    }


def irsa_trust_policy(
    oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """The assume-role policy letting exactly one service account take an IAM role (IRSA).

    ``oidc_issuer`` is the provider URL without ``https://``; the builders name the service
    accounts (Loki: its release name; Grafana:
    :func:`~infra.helm.values.kube_prometheus_stack.grafana_service_account_name`).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{oidc_issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{oidc_issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def irsa_annotations(role_arn: Any) -> dict[str, Any]:
    """Service account annotations binding an IAM role; none when there is no role."""
    return {IRSA_ROLE_ANNOTATION: role_arn} if role_arn is not None else {}
