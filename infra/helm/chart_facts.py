"""What a chart's values.yaml alone cannot tell: which maps are free-form, which keys live in comments.

These are facts about the pinned charts, read by :mod:`infra.helm.chart_index` when it derives a
key index. A map is open (any key accepted) when its default is ``{}``, when its key names a
structure defined by Kubernetes or by the application rather than by the chart (the names and
suffixes below), when the chart's ``values.schema.json`` declares ``additionalProperties`` for it,
or when :data:`CURATED` lists its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

VALUE: Final = "value"
OPEN: Final = "open"
LIST: Final = "list"

Node: TypeAlias = str | dict[str, "Node"] | list["Node"]
Path_: TypeAlias = tuple[str, ...]
Kind = Literal["value", "open", "list"]

FREE_FORM_NAMES = frozenset(
    {
        # Kubernetes pod and container fields, passed to the manifest as they are.
        "affinity",
        "tolerations",
        "topologySpreadConstraints",
        "resources",
        "lifecycle",
        "lifecycleHooks",
        "dnsConfig",
        "env",
        "sessionAffinityConfig",
        "persistentVolumeClaimRetentionPolicy",
        "behavior",
        "containerPolicies",
        "triggers",
        "matches",
        # Prometheus Operator types and Prometheus configuration.
        "additionalScrapeConfigs",
        "additionalRelabeling",
        "additionalMetricsRelabels",
        "tlsConfig",
        # The application's own configuration file, rendered verbatim.
        "grafana.ini",
    }
)
"""Keys whose value is a structure defined by Kubernetes or by the application, not by the chart."""

LIST_PASSTHROUGH_NAMES = frozenset(
    {
        "volumes",
        "volumeMounts",
        "extraVolumes",
        "extraVolumeMounts",
        "volumeClaimTemplates",
        "containers",
        "initContainers",
        "extraContainers",
        "extraInitContainers",
        "extraEnv",
        "extraEnvs",
        "envFrom",
        "extraEnvFrom",
        "args",
        "extraArgs",
        "command",
        "imagePullSecrets",
        "pullSecrets",
        "hostAliases",
        "filters",
        "parentRefs",
        "customMetrics",
    }
)
"""Lists of Kubernetes objects: open when the default is a list (``controller.volumes`` is a map)."""

FREE_FORM_SUFFIXES = (
    "Annotations",
    "Labels",
    "Selector",
    "SecurityContext",
    "Probe",
    "Strategy",
    "Relabelings",
)
"""``podAnnotations``, ``commonLabels``, ``nodeSelector``, ``containerSecurityContext``, ..."""

FREE_FORM_EXACT_LOWER = frozenset(
    {"annotations", "labels", "selector", "securitycontext", "relabelings", "metricrelabelings"}
)


@dataclass(frozen=True)
class CommentedKey:
    """A key the chart documents only as a commented-out example in its values.yaml.

    The generator requires a comment line starting with the key's name (``# configSecret:``), so
    the fact is dropped loudly, not kept silently, when a new chart version stops documenting it.
    """

    path: Path_
    kind: Kind


@dataclass(frozen=True)
class ChartFacts:
    """What the values.yaml alone cannot tell: free-form paths and keys documented in comments."""

    open_paths: tuple[Path_, ...] = ()
    commented_keys: tuple[CommentedKey, ...] = ()


CURATED: dict[str, ChartFacts] = {
    "kube-prometheus-stack": ChartFacts(
        open_paths=(
            # Alertmanager's own configuration file (amtool checks it), not a chart structure.
            ("alertmanager", "config"),
        ),
        commented_keys=(CommentedKey(("alertmanager", "alertmanagerSpec", "configSecret"), VALUE),),
    ),
    "grafana": ChartFacts(
        commented_keys=(
            CommentedKey(("serviceAccount", "annotations"), OPEN),
            CommentedKey(("ingress", "ingressClassName"), VALUE),
        ),
    ),
    "prometheus-postgres-exporter": ChartFacts(
        commented_keys=(
            CommentedKey(("serviceMonitor", "labels"), OPEN),
            CommentedKey(("serviceMonitor", "interval"), VALUE),
            CommentedKey(("serviceMonitor", "timeout"), VALUE),
        ),
    ),
    "prometheus-redis-exporter": ChartFacts(
        commented_keys=(
            CommentedKey(("serviceMonitor", "labels"), OPEN),
            CommentedKey(("serviceMonitor", "interval"), VALUE),
            CommentedKey(("serviceMonitor", "timeout"), VALUE),
        ),
    ),
    "alloy": ChartFacts(
        open_paths=(
            # Kubernetes PolicyRules: the defaults show only some of their fields (no resourceNames).
            ("rbac", "rules"),
            ("rbac", "clusterRules"),
        ),
    ),
}


def is_free_form(path: Path_, value: Any, facts: ChartFacts) -> bool:
    """Whether the key at ``path`` (default ``value``) holds a structure the chart does not define."""
    if path in facts.open_paths:
        return True
    name = path[-1]
    if name == "[]":
        return False
    if name in LIST_PASSTHROUGH_NAMES and isinstance(value, list):
        return True
    return (
        name in FREE_FORM_NAMES or name.lower() in FREE_FORM_EXACT_LOWER or name.endswith(FREE_FORM_SUFFIXES)
    )
