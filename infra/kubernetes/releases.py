"""The Helm releases of one monitoring cluster: fixed names, pinned charts, per-environment values.

:func:`release_specs` is the single place values are assembled. The program calls it twice: once
from :func:`check_release_values` with stand-ins for the values only an apply knows (the Loki
bucket, the IRSA role ARNs), before any resource is registered; then from the component with the
real ``Output``s. Both calls produce the same keys, so what was checked is what is deployed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from infra.errors import DefinitionError, ProblemCollector
from infra.helm.values import (
    alloy_values,
    blackbox_exporter_values,
    kube_prometheus_stack_values,
    loki_values,
    postgres_exporter_values,
    redis_exporter_values,
)
from infra.helm.values.common import requests_volumes
from infra.helm.values_check import inline_secret_paths, validate_values
from infra.helm.versions import ChartPin, chart_pin
from infra.settings.kubernetes import MonitoringClusterSettings

# Helm release names, set explicitly: Pulumi would otherwise suffix them, and the Prometheus rule
# selector (`release: <name>`), service names and IRSA trust policies are all derived from them.
KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack"
LOKI_RELEASE = "loki"
ALLOY_RELEASE = "alloy"
POSTGRES_EXPORTER_RELEASE = "postgres-exporter"
REDIS_EXPORTER_RELEASE = "redis-exporter"
BLACKBOX_EXPORTER_RELEASE = "blackbox-exporter"

# Kubernetes Secrets the component creates from Pulumi secrets; the values only name them.
GRAFANA_ADMIN_SECRET = "grafana-admin"
ALERTMANAGER_CONFIG_SECRET = "alertmanager-config"
POSTGRES_EXPORTER_SECRET = "postgres-exporter-credentials"
REDIS_EXPORTER_SECRET = "redis-exporter-credentials"

KUBE_PROMETHEUS_STACK_TIMEOUT_SECONDS = 900
"""CRDs, the admission webhook's certificate jobs and two StatefulSets with volumes: slower than most."""
DEFAULT_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class ReleaseSpec:
    """One Helm release as the component installs it."""

    release: str
    """The Helm release name, also the Pulumi resource's suffix."""
    chart: ChartPin
    values: dict[str, Any]
    """Plain data, except for Pulumi ``Output``s where an apply-time value is needed."""
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS

    @property
    def holds_volumes(self) -> bool:
        """Its pods keep data on persistent volumes: deleting or replacing it can lose that data."""
        return requests_volumes(self.values)

    @property
    def needs_prometheus_operator(self) -> bool:
        """Every release but kube-prometheus-stack creates ServiceMonitors, whose CRD that chart installs."""
        return self.release != KUBE_PROMETHEUS_STACK_RELEASE


@dataclass(frozen=True)
class ApplyTimeValues:
    """What only an apply knows, as ``Output``s in the component or stand-ins for the check."""

    loki_bucket_name: Any
    loki_role_arn: Any
    grafana_role_arn: Any


STAND_INS = ApplyTimeValues(
    loki_bucket_name="stand-in-loki-bucket",
    loki_role_arn="arn:aws:iam::000000000000:role/stand-in-loki",
    grafana_role_arn="arn:aws:iam::000000000000:role/stand-in-grafana",
)


def release_specs(
    cluster: MonitoringClusterSettings,
    *,
    environment: str,
    region: str,
    apply_time: ApplyTimeValues,
    datasources_from_helm: bool = True,
) -> list[ReleaseSpec]:
    """The releases of one stack, kube-prometheus-stack first; exporters only when configured.

    ``datasources_from_helm`` is false for a stack whose Grafana datasources are managed through the
    Grafana API (``observability:grafana``): Grafana refuses API changes to provisioned ones.
    """
    kps = KUBE_PROMETHEUS_STACK_RELEASE
    specs = [
        ReleaseSpec(
            kps,
            chart_pin("kube-prometheus-stack"),
            kube_prometheus_stack_values(
                cluster,
                release_name=kps,
                environment=environment,
                grafana_admin_secret_name=GRAFANA_ADMIN_SECRET,
                alertmanager_config_secret_name=ALERTMANAGER_CONFIG_SECRET,
                loki_release_name=LOKI_RELEASE,
                datasources_from_helm=datasources_from_helm,
                grafana_role_arn=apply_time.grafana_role_arn,
            ),
            timeout_seconds=KUBE_PROMETHEUS_STACK_TIMEOUT_SECONDS,
        ),
        ReleaseSpec(
            LOKI_RELEASE,
            chart_pin("loki"),
            loki_values(
                cluster,
                release_name=LOKI_RELEASE,
                bucket_name=apply_time.loki_bucket_name,
                region=region,
                role_arn=apply_time.loki_role_arn,
                kube_prometheus_stack_release=kps,
            ),
        ),
        ReleaseSpec(
            ALLOY_RELEASE,
            chart_pin("alloy"),
            alloy_values(
                cluster,
                release_name=ALLOY_RELEASE,
                environment=environment,
                loki_release_name=LOKI_RELEASE,
                kube_prometheus_stack_release=kps,
            ),
        ),
    ]
    if cluster.postgres_exporter is not None:
        specs.append(
            ReleaseSpec(
                POSTGRES_EXPORTER_RELEASE,
                chart_pin("prometheus-postgres-exporter"),
                postgres_exporter_values(
                    cluster, password_secret_name=POSTGRES_EXPORTER_SECRET, kube_prometheus_stack_release=kps
                ),
            )
        )
    if cluster.redis_exporter is not None:
        specs.append(
            ReleaseSpec(
                REDIS_EXPORTER_RELEASE,
                chart_pin("prometheus-redis-exporter"),
                redis_exporter_values(
                    cluster, password_secret_name=REDIS_EXPORTER_SECRET, kube_prometheus_stack_release=kps
                ),
            )
        )
    specs.append(
        ReleaseSpec(
            BLACKBOX_EXPORTER_RELEASE,
            chart_pin("prometheus-blackbox-exporter"),
            blackbox_exporter_values(cluster, kube_prometheus_stack_release=kps),
        )
    )
    return [
        replace(spec, values=merge_values(spec.values, cluster.helm_values[spec.release]))
        if spec.release in cluster.helm_values
        else spec
        for spec in specs
    ]


def merge_values(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Helm's own merge: maps merge key by key, anything else in ``extra`` replaces ``base``."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def check_helm_value_overrides(cluster: MonitoringClusterSettings, source: str) -> None:
    """The stack's ``helmValues``, named by their own config key path when a chart lacks a key."""
    problems = ProblemCollector()
    specs = release_specs(cluster, environment="check", region="us-east-1", apply_time=STAND_INS)
    pins = {spec.release: spec.chart.name for spec in specs}
    for release, values in sorted(cluster.helm_values.items()):
        location = f"observability:monitoringCluster.helmValues.{release}"
        if release not in pins:
            problems.add(
                source, location, f"is not a release of this stack (releases: {', '.join(sorted(pins))})"
            )
            continue
        try:
            validate_values(pins[release], values, source, location_prefix=location)
        except DefinitionError as error:
            problems.extend(error)
    problems.raise_if_any()


def validate_release_values(specs: Iterable[ReleaseSpec], source: str) -> None:
    """Raise one :class:`DefinitionError` for every values key its chart does not read, and every
    secret written inline (Helm keeps values in plain text in the release's own Secret).

    Locations read ``<chart> values.<key path>``, e.g.
    ``kube-prometheus-stack values.prometheus.prometheusSpec.retentionn``.
    """
    problems = ProblemCollector()
    for spec in specs:
        prefix = f"{spec.chart.name} values"
        try:
            validate_values(spec.chart.name, spec.values, source, location_prefix=prefix)
        except DefinitionError as error:
            problems.extend(error)
        for path in inline_secret_paths(spec.values):
            problems.add(
                source,
                f"{prefix}.{path}",
                "holds a secret inline: put it in a Kubernetes Secret and name that Secret in the values",
            )
    problems.raise_if_any()


def check_release_values(
    cluster: MonitoringClusterSettings,
    *,
    environment: str,
    region: str,
    source: str,
    datasources_from_helm: bool = True,
) -> None:
    """Build every release's values with stand-ins and validate them: run before any resource exists."""
    check_helm_value_overrides(cluster, source)
    specs = release_specs(
        cluster,
        environment=environment,
        region=region,
        apply_time=STAND_INS,
        datasources_from_helm=datasources_from_helm,
    )
    validate_release_values(specs, source)
