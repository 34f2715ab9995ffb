"""The monitoring cluster as each stack plans it: releases, Secrets, IRSA roles, PrometheusRules.

Every test reads the session's plans (each stack planned once, every secret set to SENTINEL) or
calls the pure functions the program calls before it registers anything.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog.alertmanager import render
from infra.components.monitoring_cluster import LOKI_LIFECYCLE_MARGIN_DAYS
from infra.config import Settings, load_settings
from infra.errors import DefinitionError
from infra.helm.values_check import inline_secret_paths
from infra.helm.versions import chart_pins
from infra.kubernetes.catalog import load_monitoring_definitions
from infra.kubernetes.checks import prometheus_rule_problems
from infra.kubernetes.iam import GRAFANA_CLOUDWATCH_READ
from infra.kubernetes.releases import (
    KUBE_PROMETHEUS_STACK_RELEASE,
    STAND_INS,
    ReleaseSpec,
    release_specs,
    validate_release_values,
)
from obsctl.plan import Plan, PlannedResource, Secret, reveal
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, SENTINEL, stand_in_secrets

COMPONENT = "monitoring-cluster"
RELEASE = "kubernetes:helm.sh/v3:Release"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SECRET = "kubernetes:core/v1:Secret"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PROVIDER = "pulumi:providers:kubernetes"
KPS_RESOURCE = f"{COMPONENT}-{KUBE_PROMETHEUS_STACK_RELEASE}"


def stack_settings(stack: str) -> Settings:
    return load_settings(read_stack_file(PROJECT_DIR, stack).raw)


def release_values(plan: Plan, release: str) -> dict[str, Any]:
    values: dict[str, Any] = plan.get(RELEASE, f"{COMPONENT}-{release}").inputs["values"]
    return values


def kps_spec(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    values = release_values(plan, KUBE_PROMETHEUS_STACK_RELEASE)
    return values["prometheus"]["prometheusSpec"], values["alertmanager"]["alertmanagerSpec"]


# --- Releases and their per-environment values ----------------------------------------------------


def test_prod_runs_replicated_prometheus_and_alertmanager_kept_on_different_nodes(prod_plan: Plan) -> None:
    prometheus, alertmanager = kps_spec(prod_plan)
    assert (prometheus["replicas"], alertmanager["replicas"]) == (2, 3)
    assert prometheus["podAntiAffinity"] == alertmanager["podAntiAffinity"] == "hard"
    assert prometheus["retention"] == "30d"
    assert (
        prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"]
        == "200Gi"
    )
    assert prometheus["resources"]["requests"] == {"cpu": "1", "memory": "8Gi"}
    assert (
        alertmanager["storage"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "10Gi"
    )


def test_staging_runs_single_replicas_and_keeps_a_week(staging_plan: Plan) -> None:
    prometheus, alertmanager = kps_spec(staging_plan)
    assert (prometheus["replicas"], alertmanager["replicas"]) == (1, 1)
    assert prometheus["podAntiAffinity"] == "soft"
    assert prometheus["retention"] == "7d"
    loki = release_values(staging_plan, "loki")["loki"]
    assert loki["limits_config"]["retention_period"] == "168h"


def test_grafana_is_served_over_tls_with_its_admin_password_from_a_secret(prod_plan: Plan) -> None:
    grafana = release_values(prod_plan, KUBE_PROMETHEUS_STACK_RELEASE)["grafana"]
    assert grafana["ingress"]["enabled"] is True
    assert grafana["ingress"]["tls"] == [{"secretName": "grafana-tls", "hosts": ["grafana.prod.example.com"]}]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    secret = prod_plan.get(SECRET, f"{COMPONENT}-grafana-admin")
    assert secret.inputs["metadata"]["name"] == "grafana-admin"
    assert reveal(secret.inputs["stringData"])["admin-password"] == SENTINEL


def test_loki_stores_in_its_own_bucket_with_the_stack_retention(prod_plan: Plan) -> None:
    values = release_values(prod_plan, "loki")
    assert values["loki"]["storage"]["bucketNames"]["chunks"] == "external-metrics-prod-loki-chunks"
    assert values["loki"]["limits_config"]["retention_period"] == f"{30 * 24}h"
    assert values["singleBinary"]["replicas"] == 3
    assert values["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": f"${{{COMPONENT}-loki.arn}}"
    }
    lifecycle = prod_plan.get(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        f"{COMPONENT}-loki-chunks-lifecycle",
    )
    assert lifecycle.inputs["rules"][0]["expiration"]["days"] == 30 + LOKI_LIFECYCLE_MARGIN_DAYS
    assert prod_plan.get("aws:s3/bucket:Bucket", f"{COMPONENT}-loki-chunks-bucket").protect


def test_shipper_listens_for_syslog_on_udp_1514(stack_plan: Plan) -> None:
    alloy = release_values(stack_plan, "alloy")["alloy"]
    assert alloy["extraPorts"] == [{"name": "syslog", "port": 1514, "targetPort": 1514, "protocol": "UDP"}]
    assert 'address       = "0.0.0.0:1514"' in alloy["configMap"]["content"]


def test_blackbox_probes_every_services_health_endpoints_over_tls(stack_plan: Plan) -> None:
    targets = release_values(stack_plan, "blackbox-exporter")["serviceMonitor"]["targets"]
    urls = {target["url"]: target["module"] for target in targets}
    for service in ("api", "gateway"):
        health = [url for url in urls if f"//{service}." in url]
        assert {url.removeprefix("https://").split("/", 1)[1] for url in health} == {"health", "health/ready"}
        assert all(urls[url] == "https_2xx" for url in health)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_release_has_a_fixed_name_and_a_pinned_chart(
    stack: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    releases = plan.by_type(RELEASE)
    assert {r.inputs["name"] for r in releases} == {
        "kube-prometheus-stack",
        "loki",
        "alloy",
        "postgres-exporter",
        "redis-exporter",
        "blackbox-exporter",
    }
    pins = chart_pins()
    for release in releases:
        pin = pins[release.inputs["chart"]]
        assert release.name == f"{COMPONENT}-{release.inputs['name']}"
        assert (release.inputs["version"], release.inputs["repositoryOpts"]["repo"]) == (
            pin.version,
            pin.repo,
        )
        assert release.inputs["namespace"] == "monitoring"
        assert release.inputs["atomic"] is True
        assert release.provider == f"{COMPONENT}-provider"
        if release.name != KPS_RESOURCE:
            # Every other chart creates ServiceMonitors, whose CRD kube-prometheus-stack installs.
            assert KPS_RESOURCE in release.depends_on, release.name
    assert plan.get(RELEASE, KPS_RESOURCE).inputs["skipCrds"] is False


def test_helm_values_name_secrets_and_never_hold_one(stack_plan: Plan) -> None:
    for release in stack_plan.by_type(RELEASE):
        values = reveal(release.inputs["values"])
        assert SENTINEL not in json.dumps(values), release.name
        assert release.secret_paths() == [], release.name
        assert inline_secret_paths(values) == [], release.name
    alertmanager = release_values(stack_plan, KUBE_PROMETHEUS_STACK_RELEASE)["alertmanager"]
    assert "config" not in alertmanager
    assert alertmanager["alertmanagerSpec"]["configSecret"] == "alertmanager-config"


# --- Secrets ------------------------------------------------------------------------------------------


def test_every_kubernetes_secret_is_masked_in_the_plan(stack_plan: Plan) -> None:
    secrets = stack_plan.by_type(SECRET)
    assert {s.inputs["metadata"]["name"] for s in secrets} == {
        "grafana-admin",
        "alertmanager-config",
        "postgres-exporter-credentials",
        "redis-exporter-credentials",
    }
    for secret in secrets:
        paths = secret.secret_paths()
        assert paths and all(p == "stringData" or p.startswith("stringData.") for p in paths), secret.name
        assert SENTINEL in json.dumps(reveal(secret.inputs["stringData"])), secret.name
    assert SENTINEL not in stack_plan.dumps()


def test_alertmanager_secret_holds_the_stack_rendering_with_receivers_masked(stack_plan: Plan) -> None:
    resource = stack_plan.get(SECRET, f"{COMPONENT}-alertmanager-config")
    assert isinstance(resource.inputs["stringData"], Secret) or isinstance(
        resource.inputs["stringData"].get("alertmanager.yaml"), Secret
    )
    deployed = yaml.safe_load(reveal(resource.inputs["stringData"])["alertmanager.yaml"])
    settings = stack_settings(stack_plan.stack)
    definitions = load_monitoring_definitions(settings, PROJECT_DIR)
    assert definitions is not None
    bindings = settings.alertmanager
    configured = stand_in_secrets(stack_plan.stack)
    expected = render(
        definitions.alertmanager,
        {name: configured[f"observability:{key}"] for name, key in bindings.secrets.items()},
        bindings.values,
        source=settings.stack_file,
    )
    assert deployed == expected
    slack = next(r for r in deployed["receivers"] if r["name"] == "slack-platform")["slack_configs"][0]
    assert slack["api_url"] == f"https://hooks.example.com/services/{SENTINEL}"
    assert slack["channel"] == bindings.values["slack-platform-channel"]


# --- The provider -----------------------------------------------------------------------------------


def test_everything_in_the_cluster_goes_through_one_explicit_provider(stack_plan: Plan) -> None:
    provider = stack_plan.get(PROVIDER, f"{COMPONENT}-provider")
    assert provider.secret_paths() == ["kubeconfig"]
    cluster = json.loads(
        read_stack_file(PROJECT_DIR, stack_plan.stack).raw.values["observability:monitoringCluster"]
    )
    assert provider.inputs["clusterIdentifier"] == cluster["clusterName"]
    in_cluster = [r for r in stack_plan.resources if r.type.startswith("kubernetes:")]
    assert in_cluster and all(r.provider == provider.name for r in in_cluster)


def test_prod_reads_its_kubeconfig_from_the_cluster_stack_and_staging_from_a_secret(
    prod_plan: Plan, staging_plan: Plan
) -> None:
    assert f"{COMPONENT}-cluster-stack" in prod_plan.get(PROVIDER, f"{COMPONENT}-provider").depends_on
    assert reveal(staging_plan.get(PROVIDER, f"{COMPONENT}-provider").inputs["kubeconfig"]) == SENTINEL


# --- IRSA ---------------------------------------------------------------------------------------------


def roles(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name.removeprefix(f"{COMPONENT}-"): r for r in plan.by_type(ROLE) if r.parent == COMPONENT}


def test_each_irsa_role_trusts_exactly_one_service_account(stack_plan: Plan) -> None:
    cluster = stack_settings(stack_plan.stack).monitoring_cluster
    assert cluster is not None
    expected = {"loki": "loki", "grafana-cloudwatch": "kube-prometheus-stack-grafana"}
    found = roles(stack_plan)
    assert set(found) == set(expected)
    for purpose, service_account in expected.items():
        (statement,) = json.loads(found[purpose].inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Federated": cluster.oidc_provider_arn}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {
                f"{cluster.oidc_issuer}:sub": f"system:serviceaccount:monitoring:{service_account}",
                f"{cluster.oidc_issuer}:aud": "sts.amazonaws.com",
            }
        }


def policy_statements(plan: Plan, purpose: str) -> list[dict[str, Any]]:
    policy = plan.get(ROLE_POLICY, f"{COMPONENT}-{purpose}-access")
    statements: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["Statement"]
    return statements


def test_loki_may_only_use_its_own_bucket_and_key(prod_plan: Plan) -> None:
    bucket = f"${{{COMPONENT}-loki-chunks-bucket.arn}}"
    key = f"${{{COMPONENT}-loki-storage-key.arn}}"
    resources = {json.dumps(s["Resource"]) for s in policy_statements(prod_plan, "loki")}
    assert resources == {json.dumps(bucket), json.dumps(f"{bucket}/*"), json.dumps(key)}
    actions = {a for s in policy_statements(prod_plan, "loki") for a in s["Action"]}
    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }


def test_grafana_may_only_read_cloudwatch(prod_plan: Plan) -> None:
    actions = [a for s in policy_statements(prod_plan, "grafana-cloudwatch") for a in s["Action"]]
    assert actions == [a for _, group in GRAFANA_CLOUDWATCH_READ for a in group]
    verbs = ("Describe", "Get", "List", "StartQuery", "StopQuery")
    for action in actions:
        _, name = action.split(":")
        assert "*" not in action and name.startswith(verbs), action


# --- PrometheusRules ------------------------------------------------------------------------------


def test_every_rule_file_is_a_prometheus_rule_selected_by_the_release_and_after_it(stack_plan: Plan) -> None:
    rules = stack_plan.by_type(RULE)
    settings = stack_settings(stack_plan.stack)
    definitions = load_monitoring_definitions(settings, PROJECT_DIR)
    assert definitions is not None
    assert sorted(r.inputs["metadata"]["name"] for r in rules) == sorted(
        f.name for f in definitions.rule_files
    )
    for rule in rules:
        assert rule.inputs["apiVersion"] == "monitoring.coreos.com/v1"
        assert rule.inputs["metadata"]["labels"]["release"] == KUBE_PROMETHEUS_STACK_RELEASE
        assert KPS_RESOURCE in rule.depends_on
    selector = kps_spec(stack_plan)[0]["ruleSelector"]
    assert selector == {"matchLabels": {"release": KUBE_PROMETHEUS_STACK_RELEASE}}
    assert prometheus_rule_problems(stack_plan.resources) == []


def edited_rule(plan: Plan, change: Any) -> list[PlannedResource]:
    """The plan's resources with its first PrometheusRule changed (on a copy)."""
    rule = plan.by_type(RULE)[0]
    changed = dataclasses.replace(rule, inputs=copy.deepcopy(rule.inputs), depends_on=list(rule.depends_on))
    change(changed)
    return [changed if r is rule else r for r in plan.resources]


def test_a_rule_without_the_selector_label_is_reported(prod_plan: Plan) -> None:
    resources = edited_rule(prod_plan, lambda r: r.inputs["metadata"]["labels"].pop("release"))
    (problem,) = prometheus_rule_problems(resources)
    assert "lacks the label release: kube-prometheus-stack" in problem
    assert "Prometheus never loads it" in problem


def test_a_rule_with_another_release_label_is_reported(prod_plan: Plan) -> None:
    resources = edited_rule(prod_plan, lambda r: r.inputs["metadata"]["labels"].update(release="prometheus"))
    (problem,) = prometheus_rule_problems(resources)
    assert "lacks the label release: kube-prometheus-stack" in problem


def test_a_rule_that_does_not_wait_for_the_release_is_reported(prod_plan: Plan) -> None:
    resources = edited_rule(prod_plan, lambda r: r.depends_on.remove(KPS_RESOURCE))
    (problem,) = prometheus_rule_problems(resources)
    assert f"does not depend on {KPS_RESOURCE}" in problem


def test_rules_without_a_prometheus_release_are_reported(prod_plan: Plan) -> None:
    without_release = [r for r in prod_plan.resources if r.name != KPS_RESOURCE]
    problems = prometheus_rule_problems(without_release)
    assert len(problems) == len(prod_plan.by_type(RULE))
    assert all("no kube-prometheus-stack release" in p for p in problems)


# --- Checked before anything is registered ------------------------------------------------------------


def prod_specs() -> list[ReleaseSpec]:
    cluster = stack_settings("prod").monitoring_cluster
    assert cluster is not None
    return release_specs(cluster, environment="prod", region="us-east-1", apply_time=STAND_INS)


def test_the_shipped_values_validate_against_their_charts() -> None:
    validate_release_values(prod_specs(), "Pulumi.prod.yaml")


def test_a_misspelled_values_key_names_the_chart_and_key_path() -> None:
    specs = prod_specs()
    prometheus = specs[0].values["prometheus"]["prometheusSpec"]
    prometheus["retentionn"] = prometheus.pop("retention")
    with pytest.raises(DefinitionError) as caught:
        validate_release_values(specs, "Pulumi.prod.yaml")
    (problem,) = caught.value.problems
    assert problem.source == "Pulumi.prod.yaml"
    assert problem.location == "kube-prometheus-stack values.prometheus.prometheusSpec.retentionn"
    assert "not a key of chart kube-prometheus-stack 88.5.3 (did you mean retention?)" in problem.message


def test_a_secret_written_into_values_is_rejected() -> None:
    specs = prod_specs()
    postgres = next(s for s in specs if s.release == "postgres-exporter")
    postgres.values["config"]["datasource"]["password"] = "hunter2-in-plain-text"
    with pytest.raises(DefinitionError) as caught:
        validate_release_values(specs, "Pulumi.prod.yaml")
    (problem,) = caught.value.problems
    assert problem.location == "prometheus-postgres-exporter values.config.datasource.password"
    assert "holds a secret inline" in problem.message


def write_root(tmp_path: Path, alertmanager: str | None) -> Path:
    # The rule files as the repository holds them, vendored ones included: the stacks' settings
    # (severity mappings of observability:prometheus.vendored) refer to them.
    shutil.copytree(PROJECT_DIR / "alerts" / "prometheus", tmp_path / "alerts" / "prometheus")
    if alertmanager is not None:
        (tmp_path / "alerts" / "alertmanager.yaml").write_text(alertmanager)
    return tmp_path


def test_an_unbound_alertmanager_placeholder_names_the_stack_key(tmp_path: Path) -> None:
    settings = stack_settings("prod")
    secrets = dict(settings.alertmanager.secrets)
    del secrets["smtp-password"]
    unbound = settings.model_copy(
        update={"alertmanager": settings.alertmanager.model_copy(update={"secrets": secrets})}
    )
    with pytest.raises(DefinitionError) as caught:
        load_monitoring_definitions(unbound, PROJECT_DIR)
    (problem,) = caught.value.problems
    assert (problem.source, problem.location) == (
        "Pulumi.prod.yaml",
        "observability:alertmanager.secrets.smtp-password",
    )


def test_a_missing_alertmanager_config_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_monitoring_definitions(stack_settings("prod"), write_root(tmp_path, None))
    (problem,) = caught.value.problems
    assert problem.source == "alerts/alertmanager.yaml"
    assert "is missing" in problem.message


def test_a_rule_file_name_that_cannot_name_a_prometheus_rule_is_reported(tmp_path: Path) -> None:
    root = write_root(tmp_path, (PROJECT_DIR / "alerts" / "alertmanager.yaml").read_text())
    (root / "alerts" / "prometheus" / "gateway.yaml").rename(
        root / "alerts" / "prometheus" / "Gateway_Rules.yaml"
    )
    with pytest.raises(DefinitionError) as caught:
        load_monitoring_definitions(stack_settings("prod"), root)
    (problem,) = caught.value.problems
    assert problem.source == "alerts/prometheus/Gateway_Rules.yaml"
    assert "gateway-rules" in problem.message


def test_rule_overrides_without_a_cluster_are_rejected() -> None:
    settings = stack_settings("staging")
    without_cluster = settings.model_copy(update={"monitoring_cluster": None})
    with pytest.raises(DefinitionError) as caught:
        load_monitoring_definitions(without_cluster, PROJECT_DIR)
    (problem,) = caught.value.problems
    assert problem.location == "observability:prometheus.rules"
