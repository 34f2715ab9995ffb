"""Values of Loki: monolithic mode on S3, with a retention the compactor enforces."""

from __future__ import annotations

from typing import Any

from infra.helm.values.common import irsa_annotations, selector_labels
from infra.settings.kubernetes import MonitoringClusterSettings

SCHEMA_START = "2024-04-01"
"""First day of the TSDB v13 schema period. It must never change once logs are stored."""
MAX_REPLICATION_FACTOR = 3


def loki_values(
    settings: MonitoringClusterSettings,
    *,
    release_name: str,
    bucket_name: Any,
    region: str,
    role_arn: Any,
    kube_prometheus_stack_release: str,
) -> dict[str, Any]:
    """Values for Loki in monolithic mode, storing chunks and index in one S3 bucket.

    ``bucket_name`` and ``role_arn`` may be Pulumi ``Output``s (the bucket and the IRSA role the
    component creates). The service account is named after the release so the role's trust policy
    can name it: ``system:serviceaccount:<namespace>:<release_name>``.
    """
    loki = settings.loki
    retention_hours = loki.retention_days * 24
    caches_enabled = loki.chunks_cache_memory_mb is not None
    values: dict[str, Any] = {
        "fullnameOverride": release_name,
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": min(loki.replicas, MAX_REPLICATION_FACTOR)},
            "schemaConfig": {
                "configs": [
                    {
                        "from": SCHEMA_START,
                        "store": "tsdb",
                        "object_store": "s3",
                        "schema": "v13",
                        "index": {"prefix": "index_", "period": "24h"},
                    }
                ]
            },
            "storage": {
                "type": "s3",
                "bucketNames": {"chunks": bucket_name},
                # No keys: the pod's IRSA web identity signs the requests.
                "s3": {"region": region},
            },
            "limits_config": {"retention_period": f"{retention_hours}h"},
            # Without retention_enabled the compactor only compacts and logs are kept forever.
            "compactor": {
                "retention_enabled": True,
                "delete_request_store": "s3",
                "retention_delete_delay": "2h",
            },
        },
        "singleBinary": {
            "replicas": loki.replicas,
            "resources": loki.resources.as_values(),
            "persistence": {"enabled": True, "storageClass": loki.storage_class, "size": loki.storage_size},
        },
        # The chart's defaults run the simple-scalable targets too; monolithic mode requires none.
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        # Alerting on logs goes through Prometheus; the Loki ruler would need a bucket of its own.
        "ruler": {"enabled": False},
        "serviceAccount": {"create": True, "name": release_name, "annotations": irsa_annotations(role_arn)},
        "chunksCache": {"enabled": caches_enabled},
        "resultsCache": {"enabled": caches_enabled},
        # The canary writes synthetic logs from every node; Helm's test needs it, so both go.
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "monitoring": {
            "serviceMonitor": {"enabled": True, "labels": selector_labels(kube_prometheus_stack_release)},
        },
    }
    if caches_enabled:
        values["chunksCache"]["allocatedMemory"] = loki.chunks_cache_memory_mb
    return values
