"""Prometheus, Alertmanager, Grafana, Loki, a log shipper and exporters, on an existing EKS cluster.

Everything Kubernetes goes through one explicit provider built from the cluster's kubeconfig, so a
stack can never deploy into whatever cluster the machine running ``pulumi up`` happens to point at.
Secrets reach the cluster as Kubernetes Secrets made from Pulumi secrets; the Helm values only name
them, because Helm stores values in plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes
from pulumi_kubernetes.meta.v1 import ObjectMetaArgsDict

from infra.catalog.prometheus import ORIGIN_LABEL, RenderedRuleFile
from infra.components.aws_context import AwsContext
from infra.components.encrypted_bucket import EncryptedBucket
from infra.components.encryption_key import EncryptionKey
from infra.config import Settings
from infra.helm.values import (
    ALERTMANAGER_CONFIG_KEY,
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    POSTGRES_PASSWORD_KEY,
    REDIS_PASSWORD_KEY,
    grafana_service_account_name,
    selector_labels,
)
from infra.kubernetes.catalog import (
    MonitoringDefinitions,
    alertmanager_yaml,
    helm_provisions_datasources,
)
from infra.kubernetes.iam import grafana_cloudwatch_policy, loki_storage_policy, trust_policy
from infra.kubernetes.releases import (
    ALERTMANAGER_CONFIG_SECRET,
    GRAFANA_ADMIN_SECRET,
    KUBE_PROMETHEUS_STACK_RELEASE,
    LOKI_RELEASE,
    POSTGRES_EXPORTER_RELEASE,
    POSTGRES_EXPORTER_SECRET,
    REDIS_EXPORTER_RELEASE,
    REDIS_EXPORTER_SECRET,
    ApplyTimeValues,
    ReleaseSpec,
    release_specs,
)
from infra.settings import kubernetes as secret_config

LOKI_LIFECYCLE_MARGIN_DAYS = 7
"""Loki's compactor deletes expired chunks itself. The bucket's lifecycle rule is only a backstop and
must never run first, or queries inside the retention period would find chunks missing."""
HELM_MAX_HISTORY = 10
"""Each Helm revision is a Secret in the namespace; keep enough to roll back, not every one."""
SOURCE_ANNOTATION = "observability-as-code/source"
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi"}


class MonitoringCluster(pulumi.ComponentResource):
    """The monitoring stack of one environment, in namespace ``monitoringCluster.namespace``."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        context: AwsContext,
        definitions: MonitoringDefinitions,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:kubernetes:MonitoringCluster", name, None, opts)
        if settings.monitoring_cluster is None:
            raise ValueError("MonitoringCluster needs observability:monitoringCluster")
        cluster = settings.monitoring_cluster
        self._name = name
        self._settings = settings
        self._cluster = cluster
        self._tags = settings.common_tags()
        self._prefix = f"{settings.service}-{settings.environment}"

        self.provider = kubernetes.Provider(
            f"{name}-provider",
            kubeconfig=self._kubeconfig(),
            # Replace the provider (and so everything in the cluster) only when the cluster changes,
            # not when its kubeconfig's credentials rotate.
            cluster_identifier=cluster.cluster_name,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.namespace = kubernetes.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": cluster.namespace,
                # node-exporter needs the host's network and PID namespaces, and Alloy reads
                # /var/log/pods from the host: both are outside the baseline Pod Security profile.
                "labels": {**MANAGED_BY, "pod-security.kubernetes.io/enforce": "privileged"},
            },
            # Deleting a namespace deletes its PersistentVolumeClaims, and with the default reclaim
            # policy their volumes: Prometheus', Alertmanager's and Loki's data.
            opts=self._in_cluster(protect=settings.logs.protect),
        )
        secrets = self._secrets(definitions)

        bucket_name, bucket_arn, key_arn = self._loki_storage(context)
        loki_access = self._irsa_role(
            "loki",
            "Loki reads and writes its chunks and index",
            service_account=LOKI_RELEASE,
            policy=pulumi.Output.all(bucket_arn, key_arn).apply(
                lambda arns: loki_storage_policy(arns[0], arns[1], context.region)
            ),
        )
        grafana_access = self._irsa_role(
            "grafana-cloudwatch",
            "Grafana's CloudWatch datasource reads metrics and logs",
            service_account=grafana_service_account_name(KUBE_PROMETHEUS_STACK_RELEASE),
            policy=grafana_cloudwatch_policy(),
        )

        specs = release_specs(
            cluster,
            environment=settings.environment,
            region=settings.region,
            apply_time=ApplyTimeValues(
                loki_bucket_name=bucket_name,
                loki_role_arn=loki_access.role.arn,
                grafana_role_arn=grafana_access.role.arn,
            ),
            datasources_from_helm=helm_provisions_datasources(settings),
        )
        needs: dict[str, list[pulumi.Resource]] = {
            KUBE_PROMETHEUS_STACK_RELEASE: [
                secrets[GRAFANA_ADMIN_SECRET],
                secrets[ALERTMANAGER_CONFIG_SECRET],
                grafana_access.policy,
            ],
            LOKI_RELEASE: [loki_access.policy],
            POSTGRES_EXPORTER_RELEASE: _present(secrets, POSTGRES_EXPORTER_SECRET),
            REDIS_EXPORTER_RELEASE: _present(secrets, REDIS_EXPORTER_SECRET),
        }
        self.releases: dict[str, kubernetes.helm.v3.Release] = {}
        for spec in specs:
            after = list(needs.get(spec.release, []))
            if spec.needs_prometheus_operator:
                after.append(self.releases[KUBE_PROMETHEUS_STACK_RELEASE])
            self.releases[spec.release] = self._release(spec, after)

        self.rules = [self._prometheus_rule(rule_file) for rule_file in definitions.rule_files]

        self.grafana_url = f"https://{cluster.grafana.hostname}"
        self.loki_bucket = bucket_name
        self.register_outputs(
            {
                "namespace": cluster.namespace,
                "grafanaUrl": self.grafana_url,
                "lokiBucket": bucket_name,
                "releases": sorted(self.releases),
            }
        )

    # --- Kubernetes ------------------------------------------------------------------------------

    def _kubeconfig(self) -> pulumi.Output[Any]:
        source = self._cluster.kubeconfig
        if source.secret is not None:
            return pulumi.Output.secret(self._settings.secret(source.secret).reveal())
        assert source.stack_reference is not None
        reference = pulumi.StackReference(
            f"{self._name}-cluster-stack",
            stack_name=source.stack_reference.name,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # require_output: a missing output must stop the deployment. A provider without a kubeconfig
        # would fall back to the ambient ~/.kube/config, i.e. to whichever cluster that points at.
        return pulumi.Output.secret(reference.require_output(source.stack_reference.output))

    def _in_cluster(
        self, depends_on: list[pulumi.Resource] | None = None, *, protect: bool = False
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self, provider=self.provider, depends_on=depends_on, protect=protect
        )

    def _metadata(self, object_name: str, labels: dict[str, str] | None = None) -> ObjectMetaArgsDict:
        return {
            "name": object_name,
            "namespace": self.namespace.metadata.name,
            "labels": {**MANAGED_BY, **(labels or {})},
        }

    def _secrets(self, definitions: MonitoringDefinitions) -> dict[str, kubernetes.core.v1.Secret]:
        settings, cluster = self._settings, self._cluster
        contents: dict[str, dict[str, pulumi.Input[str]]] = {
            GRAFANA_ADMIN_SECRET: {
                GRAFANA_ADMIN_USER_KEY: cluster.grafana.admin_user,
                GRAFANA_ADMIN_PASSWORD_KEY: self._secret_config(secret_config.GRAFANA_ADMIN_PASSWORD_KEY),
            },
            ALERTMANAGER_CONFIG_SECRET: {
                # Rendered inside the secret Output: the plaintext configuration never leaves it.
                ALERTMANAGER_CONFIG_KEY: pulumi.Output.secret(dict(settings.secrets)).apply(
                    lambda configured: alertmanager_yaml(
                        definitions.alertmanager, settings.alertmanager, configured, settings.stack_file
                    )
                ),
            },
        }
        if cluster.postgres_exporter is not None:
            contents[POSTGRES_EXPORTER_SECRET] = {
                POSTGRES_PASSWORD_KEY: self._secret_config(secret_config.POSTGRES_EXPORTER_PASSWORD_KEY)
            }
        if cluster.redis_exporter is not None and cluster.redis_exporter.auth:
            contents[REDIS_EXPORTER_SECRET] = {
                REDIS_PASSWORD_KEY: self._secret_config(secret_config.REDIS_PASSWORD_KEY)
            }
        return {
            object_name: kubernetes.core.v1.Secret(
                f"{self._name}-{object_name}",
                metadata=self._metadata(object_name),
                type="Opaque",
                string_data=data,
                opts=self._in_cluster(),
            )
            for object_name, data in contents.items()
        }

    def _secret_config(self, key: str) -> pulumi.Output[str]:
        return pulumi.Output.secret(self._settings.secret(key).reveal())

    def _release(self, spec: ReleaseSpec, after: list[pulumi.Resource]) -> kubernetes.helm.v3.Release:
        return kubernetes.helm.v3.Release(
            f"{self._name}-{spec.release}",
            name=spec.release,
            chart=spec.chart.name,
            version=spec.chart.version,
            repository_opts={"repo": spec.chart.repo},
            namespace=self.namespace.metadata.name,
            values=spec.values,
            # kube-prometheus-stack's CRDs are in its crds/ directory: Helm installs them before
            # any template, so the release is ready for custom resources once it is deployed.
            skip_crds=False,
            # A failed install or upgrade is rolled back rather than left half-applied.
            atomic=True,
            cleanup_on_fail=True,
            timeout=spec.timeout_seconds,
            max_history=HELM_MAX_HISTORY,
            # A release whose pods keep volumes is protected with the stack's data: `helm uninstall`
            # or a replacement (a renamed release) would take its PersistentVolumeClaims along.
            opts=self._in_cluster(after, protect=self._settings.logs.protect and spec.holds_volumes),
        )

    def _prometheus_rule(self, rule_file: RenderedRuleFile) -> kubernetes.apiextensions.CustomResource:
        release = self.releases[KUBE_PROMETHEUS_STACK_RELEASE]
        origin = {ORIGIN_LABEL: "vendored" if rule_file.vendored else "own"}
        metadata = self._metadata(
            rule_file.name, {**selector_labels(KUBE_PROMETHEUS_STACK_RELEASE), **origin}
        )
        metadata["annotations"] = {SOURCE_ANNOTATION: rule_file.source}
        return kubernetes.apiextensions.CustomResource(
            f"{self._name}-rules-{rule_file.name}",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=metadata,
            spec=rule_file.document(),
            # The release installs the CRD; before it exists the API server rejects the kind.
            opts=self._in_cluster([release]),
        )

    # --- AWS ---------------------------------------------------------------------------------------

    def _loki_storage(
        self, context: AwsContext
    ) -> tuple[pulumi.Input[str], pulumi.Input[str], pulumi.Input[str | None]]:
        """(bucket name, bucket ARN, key ARN): the bucket named in config, or one created here."""
        loki = self._cluster.loki
        if loki.bucket_name is not None:
            arn = pulumi.Output.format("arn:{0}:s3:::{1}", context.partition, loki.bucket_name)
            return loki.bucket_name, arn, None
        protect = self._settings.logs.protect
        child = pulumi.ResourceOptions(parent=self)
        key = EncryptionKey(
            f"{self._name}-loki-storage",
            description=f"Encrypts the Loki chunks and index of {self._prefix}",
            alias=f"{self._prefix}-loki",
            grants=[],
            context=context,
            deletion_window_days=self._settings.logs.kms_key_deletion_window_days,
            tags=self._tags,
            protect=protect,
            opts=child,
        )
        bucket = EncryptedBucket(
            f"{self._name}-loki-chunks",
            bucket_name=f"{self._prefix}-loki-chunks",
            kms_key_arn=key.arn,
            expire_after_days=loki.retention_days + LOKI_LIFECYCLE_MARGIN_DAYS,
            tags=self._tags,
            protect=protect,
            opts=child,
        )
        return bucket.name, bucket.arn, key.arn

    def _irsa_role(
        self, purpose: str, description: str, *, service_account: str, policy: pulumi.Input[str]
    ) -> _RoleWithPolicy:
        role = aws.iam.Role(
            f"{self._name}-{purpose}",
            name=f"{self._prefix}-{purpose}",
            description=f"{description} (IRSA: {self._cluster.namespace}/{service_account})",
            assume_role_policy=trust_policy(self._cluster, service_account),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        access = aws.iam.RolePolicy(
            f"{self._name}-{purpose}-access",
            role=role.id,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=role),
        )
        return _RoleWithPolicy(role, access)


@dataclass(frozen=True)
class _RoleWithPolicy:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy


def _present(resources: dict[str, kubernetes.core.v1.Secret], name: str) -> list[pulumi.Resource]:
    return [resources[name]] if name in resources else []
