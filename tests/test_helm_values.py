"""Helm values: the shipped key indexes, the per-environment builders and the checks on their output."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infra.helm.values import (
    ALERTMANAGER_CONFIG_KEY,
    alloy_config,
    alloy_values,
    blackbox_exporter_values,
    grafana_service_account_name,
    irsa_trust_policy,
    kube_prometheus_stack_values,
    loki_push_url,
    loki_values,
    postgres_exporter_values,
    redis_exporter_values,
    selector_labels,
)
from infra.helm.values_check import validate_values
from infra.helm.versions import chart_pins
from infra.settings.kubernetes import MonitoringClusterSettings
from tests.conftest import PROJECT_DIR

KPS = "kube-prometheus-stack"
CHARTS_DIR = PROJECT_DIR / "infra" / "charts"

STAGING = {
    "clusterName": "metrics-staging",
    "kubeconfig": {"stackReference": {"name": "acme/eks-cluster/staging", "output": "kubeconfig"}},
    "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/STAGING",
    "oidcProviderUrl": "https://oidc.eks.us-east-1.amazonaws.com/id/STAGING",
    "grafana": {"hostname": "grafana.staging.example.com", "clusterIssuer": "letsencrypt-staging"},
    "loki": {"retentionDays": 14},
    "postgresExporter": {"host": "metrics-staging.abc.us-east-1.rds.amazonaws.com", "user": "exporter"},
    "redisExporter": {"address": "rediss://metrics-staging.abc.cache.amazonaws.com:6379"},
    "blackbox": {"services": [{"name": "api", "baseUrl": "https://api.staging.example.com"}]},
}
PROD = {
    **STAGING,
    "clusterName": "metrics-prod",
    "kubeconfig": {"secret": "kubeconfig"},
    "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PROD",
    "oidcProviderUrl": "oidc.eks.us-east-1.amazonaws.com/id/PROD",
    "prometheus": {
        "retention": "30d",
        "storageSize": "200Gi",
        "replicas": 2,
        "podAntiAffinity": "hard",
        "resources": {"requests": {"cpu": "1", "memory": "8Gi"}, "limits": {"memory": "12Gi"}},
    },
    "alertmanager": {"replicas": 3, "podAntiAffinity": "hard", "storage": {"size": "10Gi"}},
    "grafana": {"hostname": "grafana.example.com", "clusterIssuer": "letsencrypt-prod"},
    "loki": {"retentionDays": 30, "replicas": 3, "chunksCacheMemoryMb": 2048},
    "blackbox": {
        "services": [{"name": "api", "baseUrl": "https://api.example.com"}],
        "targets": [{"name": "status-page", "url": "http://status.example.com/"}],
    },
}
ENVIRONMENTS = {"staging": STAGING, "prod": PROD}


def settings_for(environment: str) -> MonitoringClusterSettings:
    return MonitoringClusterSettings.model_validate(ENVIRONMENTS[environment])


def all_values(environment: str) -> dict[str, dict[str, Any]]:
    """Every chart's values for one environment, as the component builds them."""
    settings = settings_for(environment)
    return {
        KPS: kube_prometheus_stack_values(
            settings,
            release_name=KPS,
            environment=environment,
            grafana_admin_secret_name="grafana-admin",
            alertmanager_config_secret_name="alertmanager-config",
            loki_release_name="loki",
            grafana_role_arn="arn:aws:iam::123456789012:role/grafana",
        ),
        "loki": loki_values(
            settings,
            release_name="loki",
            bucket_name=f"acme-loki-{environment}",
            region="us-east-1",
            role_arn="arn:aws:iam::123456789012:role/loki",
            kube_prometheus_stack_release=KPS,
        ),
        "alloy": alloy_values(
            settings,
            release_name="alloy",
            environment=environment,
            loki_release_name="loki",
            kube_prometheus_stack_release=KPS,
        ),
        "prometheus-postgres-exporter": postgres_exporter_values(
            settings, password_secret_name="postgres-exporter", kube_prometheus_stack_release=KPS
        ),
        "prometheus-redis-exporter": redis_exporter_values(
            settings, password_secret_name="redis-exporter", kube_prometheus_stack_release=KPS
        ),
        "prometheus-blackbox-exporter": blackbox_exporter_values(settings, kube_prometheus_stack_release=KPS),
    }


def charts_dir(shared_dir: Path) -> Path:
    return shared_dir / "schemas" / "charts"


# --- builders' output validates --------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_builders_values_validate_against_their_chart(environment: str) -> None:
    values = all_values(environment)
    assert set(values) == set(chart_pins())
    for chart, chart_values in values.items():
        validate_values(chart, chart_values, f"{chart} values")


def test_prod_runs_two_prometheus_and_three_alertmanagers_kept_apart() -> None:
    spec = all_values("prod")[KPS]
    prometheus = spec["prometheus"]["prometheusSpec"]
    alertmanager = spec["alertmanager"]["alertmanagerSpec"]
    assert prometheus["replicas"] == 2
    assert alertmanager["replicas"] == 3
    assert prometheus["podAntiAffinity"] == alertmanager["podAntiAffinity"] == "hard"
    assert prometheus["podAntiAffinityTopologyKey"] == "kubernetes.io/hostname"


def test_staging_runs_single_replicas_with_soft_anti_affinity() -> None:
    spec = all_values("staging")[KPS]
    assert spec["prometheus"]["prometheusSpec"]["replicas"] == 1
    assert spec["alertmanager"]["alertmanagerSpec"]["replicas"] == 1
    assert spec["prometheus"]["prometheusSpec"]["podAntiAffinity"] == "soft"


def test_prometheus_picks_up_rules_labelled_with_the_release() -> None:
    prometheus = all_values("prod")[KPS]["prometheus"]["prometheusSpec"]
    assert selector_labels(KPS) == {"release": KPS}
    assert prometheus["ruleSelectorNilUsesHelmValues"] is False
    assert prometheus["ruleSelector"] == {"matchLabels": {"release": KPS}}
    for kind in ("serviceMonitor", "podMonitor", "probe"):
        assert prometheus[f"{kind}Selector"] == {"matchLabels": {"release": KPS}}
    for chart in ("prometheus-postgres-exporter", "prometheus-redis-exporter"):
        assert all_values("prod")[chart]["serviceMonitor"]["labels"] == {"release": KPS}


def test_prometheus_storage_and_retention() -> None:
    prometheus = all_values("prod")[KPS]["prometheus"]["prometheusSpec"]
    assert prometheus["retention"] == "30d"
    assert prometheus["retentionSize"] == "160GB"  # 80% of the 200Gi volume
    claim = prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "gp3"
    assert claim["resources"]["requests"]["storage"] == "200Gi"
    assert prometheus["resources"] == {
        "requests": {"cpu": "1", "memory": "8Gi"},
        "limits": {"memory": "12Gi"},
    }


def test_alertmanager_config_comes_from_a_secret_not_from_values() -> None:
    alertmanager = all_values("prod")[KPS]["alertmanager"]
    assert "config" not in alertmanager
    assert alertmanager["alertmanagerSpec"]["useExistingSecret"] is True
    assert alertmanager["alertmanagerSpec"]["configSecret"] == "alertmanager-config"
    assert ALERTMANAGER_CONFIG_KEY == "alertmanager.yaml"


def test_grafana_ingress_tls_admin_secret_and_irsa() -> None:
    grafana = all_values("prod")[KPS]["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    ingress = grafana["ingress"]
    assert ingress["enabled"] is True
    assert ingress["hosts"] == ["grafana.example.com"]
    assert ingress["tls"] == [{"secretName": "grafana-tls", "hosts": ["grafana.example.com"]}]
    assert ingress["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt-prod"}
    assert grafana["serviceAccount"] == {
        "create": True,
        "name": "kube-prometheus-stack-grafana",
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/grafana"},
    }
    assert grafana["grafana.ini"]["server"]["root_url"] == "https://grafana.example.com"
    assert grafana["additionalDataSources"][0]["url"] == "http://loki-gateway.monitoring.svc.cluster.local:80"


def test_loki_keeps_logs_for_the_configured_days_on_s3() -> None:
    for environment, days in (("staging", 14), ("prod", 30)):
        loki = all_values(environment)["loki"]
        assert loki["loki"]["limits_config"]["retention_period"] == f"{days * 24}h"
        assert loki["loki"]["compactor"]["retention_enabled"] is True
        assert loki["loki"]["storage"]["type"] == "s3"
        assert loki["loki"]["storage"]["bucketNames"] == {"chunks": f"acme-loki-{environment}"}
        assert loki["serviceAccount"]["annotations"] == {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/loki"
        }
        assert {loki[target]["replicas"] for target in ("read", "write", "backend")} == {0}
    prod = all_values("prod")["loki"]
    assert prod["singleBinary"]["replicas"] == 3
    assert prod["loki"]["commonConfig"]["replication_factor"] == 3
    assert prod["chunksCache"] == {"enabled": True, "allocatedMemory": 2048}
    assert all_values("staging")["loki"]["chunksCache"] == {"enabled": False}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_loki_values_validate_against_the_charts_values_schema(shared_dir: Path, environment: str) -> None:
    schema = json.loads((charts_dir(shared_dir) / "loki" / "values.schema.json").read_text())
    defaults = yaml.safe_load((charts_dir(shared_dir) / "loki" / "values.yaml").read_text())
    values = all_values(environment)["loki"]
    # Helm validates the chart's defaults merged with the release's values.
    jsonschema.validate(_helm_merge(defaults, values), schema)
    broken = copy.deepcopy(values)
    broken["singleBinary"]["replicas"] = "three"
    with pytest.raises(jsonschema.ValidationError, match="three"):
        jsonschema.validate(_helm_merge(defaults, broken), schema)


def _helm_merge(defaults: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _helm_merge(merged[key], value)
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def test_alloy_collects_pod_logs_and_receives_syslog_on_udp_1514() -> None:
    values = all_values("prod")["alloy"]
    assert values["controller"]["type"] == "daemonset"
    assert values["alloy"]["mounts"]["varlog"] is True
    assert values["alloy"]["extraPorts"] == [
        {"name": "syslog", "port": 1514, "targetPort": 1514, "protocol": "UDP"}
    ]
    assert values["service"]["type"] == "LoadBalancer"
    config = values["alloy"]["configMap"]["content"]
    assert 'address       = "0.0.0.0:1514"' in config
    assert 'protocol      = "udp"' in config
    assert "loki.source.file" in config and "stage.cri {}" in config
    assert f'url = "{loki_push_url("loki", "monitoring")}"' in config
    assert config.count("forward_to    = [loki.write.default.receiver]") == 1
    assert config.count("{") == config.count("}")
    assert "{{" not in config  # the chart renders the content through Helm's tpl


def test_alloy_syslog_port_and_format_follow_the_settings() -> None:
    settings = MonitoringClusterSettings.model_validate(
        {**STAGING, "shipper": {"syslogPort": 5514, "syslogFormat": "rfc5424", "syslogExposure": "cluster"}}
    )
    config = alloy_config(settings.shipper, loki_push_url="http://loki:3100/push", external_labels={})
    assert '"0.0.0.0:5514"' in config and 'syslog_format = "rfc5424"' in config
    values = alloy_values(
        settings,
        release_name="alloy",
        environment="staging",
        loki_release_name="loki",
        kube_prometheus_stack_release=KPS,
    )
    assert values["service"] == {"enabled": True, "type": "ClusterIP"}


def test_blackbox_probes_health_endpoints_and_checks_tls() -> None:
    targets = all_values("prod")["prometheus-blackbox-exporter"]["serviceMonitor"]["targets"]
    assert targets == [
        {"name": "api-health", "url": "https://api.example.com/health", "module": "https_2xx"},
        {"name": "api-ready", "url": "https://api.example.com/health/ready", "module": "https_2xx"},
        {"name": "status-page", "url": "http://status.example.com/", "module": "http_2xx"},
    ]
    modules = all_values("prod")["prometheus-blackbox-exporter"]["config"]["modules"]
    assert modules["https_2xx"]["http"]["fail_if_not_ssl"] is True


def test_exporters_reference_their_password_secrets_by_name() -> None:
    values = all_values("prod")
    datasource = values["prometheus-postgres-exporter"]["config"]["datasource"]
    assert datasource["passwordSecret"] == {"name": "postgres-exporter", "key": "password"}
    assert datasource["port"] == "5432"
    assert values["prometheus-redis-exporter"]["auth"] == {
        "enabled": True,
        "secret": {"name": "redis-exporter", "key": "password"},
    }


def test_irsa_trust_policies_name_the_service_accounts_the_values_create() -> None:
    settings = settings_for("prod")
    loki = all_values("prod")["loki"]
    policy = irsa_trust_policy(
        settings.oidc_provider_arn, settings.oidc_issuer, settings.namespace, loki["serviceAccount"]["name"]
    )
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Federated": settings.oidc_provider_arn}
    assert statement["Condition"]["StringEquals"] == {
        "oidc.eks.us-east-1.amazonaws.com/id/PROD:sub": "system:serviceaccount:monitoring:loki",
        "oidc.eks.us-east-1.amazonaws.com/id/PROD:aud": "sts.amazonaws.com",
    }
    grafana = all_values("prod")[KPS]["grafana"]["serviceAccount"]["name"]
    assert grafana == grafana_service_account_name(KPS)


def test_grafana_datasources_come_from_helm_or_from_the_provider_never_both() -> None:
    helm = all_values("prod")[KPS]["grafana"]
    assert helm["sidecar"]["datasources"]["defaultDatasourceEnabled"] is True
    assert [d["uid"] for d in helm["additionalDataSources"]] == ["loki"]
    provider = kube_prometheus_stack_values(
        settings_for("prod"),
        release_name=KPS,
        environment="prod",
        grafana_admin_secret_name="grafana-admin",
        alertmanager_config_secret_name="alertmanager-config",
        loki_release_name="loki",
        datasources_from_helm=False,
    )["grafana"]
    assert provider["sidecar"]["datasources"] == {
        "defaultDatasourceEnabled": False,
        "alertmanager": {"enabled": False},
    }
    assert "additionalDataSources" not in provider
    validate_values(KPS, {"grafana": provider}, "kube-prometheus-stack values")
