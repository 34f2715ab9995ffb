"""Checks on planned resources that no single resource can fail alone.

A PrometheusRule the API server accepts is not necessarily one Prometheus loads: the Prometheus of
kube-prometheus-stack only reads rules whose labels match its ``ruleSelector``, and a rule created
before the release has installed the PrometheusRule CRD fails on a new cluster. Both mistakes are
silent until an alert does not fire, so they are checked on the plan (``obsctl plan``'s resources,
or anything shaped like them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
PROMETHEUS_CHART = "kube-prometheus-stack"


class PlannedResourceLike(Protocol):
    """What the checks read of a planned resource (``obsctl.plan.PlannedResource`` has it)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def depends_on(self) -> Sequence[str]: ...


def prometheus_rule_problems(resources: Iterable[PlannedResourceLike]) -> list[str]:
    """One message per PrometheusRule that Prometheus would not load, or that could be created too early.

    A rule must carry the labels of a kube-prometheus-stack release's rule selector and depend on
    that release (``depends_on``), whose chart installs the CRD.
    """
    resources = list(resources)
    releases = [r for r in resources if r.type == HELM_RELEASE_TYPE and _chart_name(r) == PROMETHEUS_CHART]
    problems = []
    for rule in (r for r in resources if r.type == PROMETHEUS_RULE_TYPE):
        if not releases:
            problems.append(
                f"PrometheusRule {rule.name}: no {PROMETHEUS_CHART} release in this stack loads it"
            )
            continue
        labels = _mapping(_mapping(rule.inputs.get("metadata")).get("labels"))
        selecting = [r for r in releases if _matches(labels, rule_selector_labels(r))]
        if not selecting:
            wanted = " or ".join(_shown(rule_selector_labels(r)) for r in releases)
            problems.append(
                f"PrometheusRule {rule.name}: lacks the label {wanted} that the {PROMETHEUS_CHART} "
                "ruleSelector matches, so Prometheus never loads it"
            )
            continue
        if not any(release.name in rule.depends_on for release in selecting):
            problems.append(
                f"PrometheusRule {rule.name}: does not depend on {selecting[0].name}, so on a new cluster "
                "it would be created before the PrometheusRule CRD exists"
            )
    return problems


def rule_selector_labels(release: PlannedResourceLike) -> dict[str, str]:
    """The labels a PrometheusRule needs for this release's Prometheus to load it.

    ``prometheus.prometheusSpec.ruleSelector.matchLabels`` when the values set it; otherwise the
    chart's default, ``release: <Helm release name>``. An empty selector with
    ``ruleSelectorNilUsesHelmValues: false`` selects every rule.
    """
    values = _mapping(release.inputs.get("values"))
    spec = _mapping(_mapping(values.get("prometheus")).get("prometheusSpec"))
    selector = _mapping(spec.get("ruleSelector"))
    if selector:
        return {str(k): str(v) for k, v in _mapping(selector.get("matchLabels")).items()}
    if spec.get("ruleSelectorNilUsesHelmValues") is False:
        return {}
    return {"release": str(release.inputs.get("name", ""))}


def _chart_name(release: PlannedResourceLike) -> str:
    chart = release.inputs.get("chart")
    return chart.rstrip("/").rsplit("/", 1)[-1] if isinstance(chart, str) else ""


def _matches(labels: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


def _shown(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(labels.items())) or "(any)"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
