"""The monitoring cluster on an existing EKS cluster (``observability:monitoringCluster``).

```yaml
config:
  observability:monitoringCluster:
    clusterName: metrics-prod
    kubeconfig:
      stackReference: {name: acme/eks-cluster/prod, output: kubeconfig}
      # or: {secret: kubeconfig}, read from `pulumi config set --secret observability:kubeconfig`
    oidcProviderArn: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE
    oidcProviderUrl: https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE
    namespace: monitoring
    prometheus:
      retention: 30d
      storageSize: 100Gi
      replicas: 2
      podAntiAffinity: hard
      resources: {requests: {cpu: "1", memory: 4Gi}, limits: {memory: 8Gi}}
    alertmanager: {replicas: 3, podAntiAffinity: hard, storage: {size: 5Gi}}
    grafana: {hostname: grafana.example.com, clusterIssuer: letsencrypt-prod}
    loki: {retentionDays: 30, replicas: 3}
    shipper: {syslogPort: 1514}
    postgresExporter: {host: metrics.cluster-abc.us-east-1.rds.amazonaws.com, database: metrics, user: exporter}
    redisExporter: {address: "rediss://metrics.abc.cache.amazonaws.com:6379"}
    blackbox:
      services: [{name: api, baseUrl: "https://api.example.com"}]
```

Shared defaults (the staging shape) live here; prod raises replicas and resources in its stack file.
Secrets never sit in this section: the Grafana admin password, the exporters' passwords and, when
chosen, the kubeconfig are top-level secret config keys (see :meth:`MonitoringClusterSettings.secret_keys`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints, field_validator, model_validator

from infra.settings.base import SettingsModel, WholeNumber
from infra.settings.kubernetes_types import (
    AntiAffinity,
    ByteSize,
    DnsLabel,
    Hostname,
    PrometheusDuration,
    Quantity,
    Resources,
    byte_size_value,
    quantity_value,
    resources,
)

GRAFANA_ADMIN_PASSWORD_KEY = "grafanaAdminPassword"
POSTGRES_EXPORTER_PASSWORD_KEY = "postgresExporterPassword"
REDIS_PASSWORD_KEY = "redisPassword"
DEFAULT_KUBECONFIG_SECRET_KEY = "kubeconfig"

ConfigKey = Annotated[str, StringConstraints(pattern=r"^[a-z][A-Za-z0-9]*$")]
"""A top-level config key of the ``observability`` namespace, e.g. ``kubeconfig``."""


class StackOutput(SettingsModel):
    name: str = Field(pattern=r"^[^/\s]+/[^/\s]+/[^/\s]+$")
    """The stack that owns the cluster, as ``organization/project/stack``."""
    output: str = "kubeconfig"


class KubeconfigSource(SettingsModel):
    """Where the kubeconfig of the existing cluster comes from: exactly one of the two."""

    secret: ConfigKey | None = None
    """A top-level secret config key holding the kubeconfig, e.g. ``kubeconfig``."""
    stack_reference: StackOutput | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> KubeconfigSource:
        if (self.secret is None) == (self.stack_reference is None):
            raise ValueError("set exactly one of secret or stackReference")
        return self


class PrometheusSettings(SettingsModel):
    retention: PrometheusDuration = "15d"
    retention_size: ByteSize | None = None
    """Defaults to 80% of ``storageSize``, so old blocks go before the volume fills."""
    storage_class: str = "gp3"
    storage_size: Quantity = "50Gi"
    replicas: WholeNumber = Field(default=1, ge=1, le=10)
    pod_anti_affinity: AntiAffinity = "soft"
    anti_affinity_topology_key: str = "kubernetes.io/hostname"
    scrape_interval: PrometheusDuration = "30s"
    resources: Resources = resources("500m", "2Gi", memory_limit="4Gi")

    @model_validator(mode="after")
    def _retention_size_fits_the_volume(self) -> PrometheusSettings:
        if self.retention_size and byte_size_value(self.retention_size) >= quantity_value(self.storage_size):
            raise ValueError(
                f"retentionSize {self.retention_size} does not fit the {self.storage_size} volume: "
                "keep it below the volume size so Prometheus deletes blocks before the disk fills"
            )
        return self

    def effective_retention_size(self) -> str:
        if self.retention_size:
            return self.retention_size
        bytes_ = quantity_value(self.storage_size) * 0.8
        if bytes_ >= 2**30:
            return f"{int(bytes_ // 2**30)}GB"
        return f"{max(1, int(bytes_ // 2**20))}MB"


class VolumeSettings(SettingsModel):
    storage_class: str = "gp3"
    size: Quantity = "5Gi"


class AlertmanagerSettings(SettingsModel):
    replicas: WholeNumber = Field(default=1, ge=1, le=7)
    pod_anti_affinity: AntiAffinity = "soft"
    retention: PrometheusDuration = "120h"
    """How long silences and notification state are kept."""
    storage: VolumeSettings = VolumeSettings()
    resources: Resources = resources("50m", "128Mi", memory_limit="256Mi")


class GrafanaSettings(SettingsModel):
    hostname: Hostname
    tls_secret_name: DnsLabel = "grafana-tls"
    """The Secret holding the ingress certificate; cert-manager fills it when ``clusterIssuer`` is set."""
    ingress_class: str = "nginx"
    cluster_issuer: str | None = None
    """A cert-manager ClusterIssuer; without one the TLS Secret must exist already."""
    admin_user: str = "admin"
    resources: Resources = resources("100m", "256Mi", memory_limit="512Mi")
    # One replica: Grafana keeps users and sessions in its own SQLite file, so a second pod would
    # need a shared database first. Dashboards and datasources come from code and survive restarts.


class LokiSettings(SettingsModel):
    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    """The S3 bucket for chunks and index; the component creates one when this is left out."""
    retention_days: WholeNumber = Field(default=30, ge=1, le=3650)
    """Loki deletes older logs. There is no "unlimited": that is the defect the design notes list."""
    replicas: WholeNumber = Field(default=1, ge=1, le=10)
    storage_class: str = "gp3"
    storage_size: Quantity = "10Gi"
    """The volume of each Loki pod (write-ahead log, compactor work); logs themselves live in S3."""
    chunks_cache_memory_mb: WholeNumber | None = Field(default=None, ge=64)
    """Run memcached chunk and results caches with this much memory; left out, no caches run."""
    resources: Resources = resources("250m", "512Mi", memory_limit="1Gi")


class ShipperSettings(SettingsModel):
    """Grafana Alloy on every node: pod logs, and a syslog receiver for network devices."""

    syslog_port: WholeNumber = Field(default=1514, ge=1024, le=65535)
    """UDP; above 1023 so Alloy needs no privilege to bind it."""
    syslog_format: Literal["rfc3164", "rfc5424"] = "rfc3164"
    """Network devices mostly send BSD syslog (RFC 3164)."""
    syslog_exposure: Literal["internal-nlb", "cluster"] = "internal-nlb"
    """``internal-nlb``: an internal AWS Network Load Balancer (AWS Load Balancer Controller) so
    devices outside the cluster can reach the receiver; ``cluster``: a ClusterIP Service only."""
    resources: Resources = resources("100m", "256Mi", memory_limit="512Mi")


class PostgresExporterSettings(SettingsModel):
    host: str = Field(min_length=1)
    port: WholeNumber = Field(default=5432, ge=1, le=65535)
    database: str = "postgres"
    user: str = Field(min_length=1)
    ssl_mode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "require"


class RedisExporterSettings(SettingsModel):
    address: str = Field(pattern=r"^rediss?://[^/\s]+$")
    """``redis://host:6379`` or ``rediss://host:6379`` (TLS)."""
    user: str | None = None
    """An ACL user (Redis 6+); the password is ``observability:redisPassword``."""
    auth: bool = True


class BlackboxTarget(SettingsModel):
    name: DnsLabel
    url: str = Field(pattern=r"^https?://\S+$")

    @property
    def is_https(self) -> bool:
        return urlsplit(self.url).scheme == "https"


class ProbedService(SettingsModel):
    """A service whose ``/health`` (liveness) and ``/health/ready`` (readiness) are probed."""

    name: DnsLabel
    base_url: str = Field(pattern=r"^https?://[^?#\s]+$")


class BlackboxSettings(SettingsModel):
    services: tuple[ProbedService, ...] = ()
    targets: tuple[BlackboxTarget, ...] = ()
    """Probed as given, besides the health endpoints of ``services``."""
    interval: PrometheusDuration = "60s"

    def probe_targets(self) -> tuple[BlackboxTarget, ...]:
        derived = []
        for service in self.services:
            base = service.base_url.rstrip("/")
            derived.append(BlackboxTarget(name=f"{service.name}-health", url=f"{base}/health"))
            derived.append(BlackboxTarget(name=f"{service.name}-ready", url=f"{base}/health/ready"))
        return (*derived, *self.targets)

    @model_validator(mode="after")
    def _names_are_unique(self) -> BlackboxSettings:
        names = [target.name for target in self.probe_targets()]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"probe target names must be unique: {', '.join(duplicates)}")
        return self


class MonitoringClusterSettings(SettingsModel):
    cluster_name: str = Field(pattern=r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")
    kubeconfig: KubeconfigSource
    oidc_provider_arn: str = Field(pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/\S+$")
    oidc_provider_url: str = Field(
        pattern=r"^(https://)?oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/\S+$"
    )
    namespace: DnsLabel = "monitoring"
    prometheus: PrometheusSettings = PrometheusSettings()
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    grafana: GrafanaSettings
    loki: LokiSettings = LokiSettings()
    shipper: ShipperSettings = ShipperSettings()
    postgres_exporter: PostgresExporterSettings | None = None
    redis_exporter: RedisExporterSettings | None = None
    blackbox: BlackboxSettings = BlackboxSettings()
    helm_values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Release name -> extra Helm values, merged over the built ones and checked against the chart,
    for the settings this section does not model (``kube-prometheus-stack``, ``loki``, ``alloy``,
    ``postgres-exporter``, ``redis-exporter``, ``blackbox-exporter``)."""

    @field_validator("oidc_provider_url")
    @classmethod
    def _with_scheme(cls, value: str) -> str:
        return value if value.startswith("https://") else f"https://{value}"

    @model_validator(mode="after")
    def _provider_arn_matches_url(self) -> MonitoringClusterSettings:
        if not self.oidc_provider_arn.endswith(f"oidc-provider/{self.oidc_issuer}"):
            raise ValueError(
                f"oidcProviderArn does not name the provider of oidcProviderUrl {self.oidc_issuer}"
            )
        return self

    @property
    def oidc_issuer(self) -> str:
        """The issuer without its scheme, as IAM condition keys spell it (``oidc.eks...../id/X``)."""
        return self.oidc_provider_url.removeprefix("https://")

    def secret_keys(self) -> list[tuple[str, str]]:
        """(config key, purpose) of every secret the monitoring cluster needs."""
        keys = [(GRAFANA_ADMIN_PASSWORD_KEY, "Grafana admin password")]
        if self.kubeconfig.secret:
            keys.append((self.kubeconfig.secret, f"kubeconfig of EKS cluster {self.cluster_name}"))
        if self.postgres_exporter:
            keys.append(
                (POSTGRES_EXPORTER_PASSWORD_KEY, f"password of Postgres user {self.postgres_exporter.user}")
            )
        if self.redis_exporter and self.redis_exporter.auth:
            keys.append((REDIS_PASSWORD_KEY, "Redis password for redis-exporter"))
        return keys
