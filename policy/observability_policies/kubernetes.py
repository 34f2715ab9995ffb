"""Helm releases install a known chart version, and Prometheus actually loads every PrometheusRule.

kube-prometheus-stack's Prometheus selects rules by label: by default ``release: <release name>``
(or ``prometheus.prometheusSpec.ruleSelector.matchLabels`` when the values set it). A rule without
the label is accepted by the API server and ignored by Prometheus, silently.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .graph import StackGraph
from .values import get_path, is_unknown, known, reveal, snapshot

RELEASE = "kubernetes:helm.sh/v3:Release"
CHART_V4 = "kubernetes:helm.sh/v4:Chart"
HELM = (RELEASE, CHART_V4)
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
PROMETHEUS_CHART = "kube-prometheus-stack"
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def _chart_version_pinned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in HELM:
        return
    props = snapshot(args.props)
    version = reveal(props.get("version"))
    chart = reveal(props.get("chart"))
    if is_unknown(version):
        return
    if not version:
        report_violation(f"chart {chart} has no version: each install may get a different chart", None)
    elif not EXACT_VERSION.match(str(version)):
        report_violation(f"chart {chart} version {version!r} is a range, not one exact version", None)


def is_prometheus_release(props: dict[str, Any]) -> bool:
    chart = reveal(props.get("chart"))
    return isinstance(chart, str) and chart.rstrip("/").rsplit("/", 1)[-1] == PROMETHEUS_CHART


def rule_selector_labels(props: dict[str, Any]) -> dict[str, str] | None:
    """The labels a rule needs for this kube-prometheus-stack release to load it; None when its name is
    not known, {} when the release selects every rule."""
    values = reveal(props.get("values")) or {}
    spec = get_path(values, "prometheus", "prometheusSpec") or {}
    selector = spec.get("ruleSelector") if isinstance(spec, dict) else None
    if isinstance(selector, dict) and selector:
        return {str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()}
    if isinstance(spec, dict) and spec.get("ruleSelectorNilUsesHelmValues") is False:
        return {}
    name = reveal(props.get("name"))
    return {"release": name} if isinstance(name, str) and name and not is_unknown(name) else None


def _rules_and_releases(
    args: StackValidationArgs,
) -> tuple[StackGraph, list[PolicyResource], list[PolicyResource]]:
    graph = StackGraph.of(args)
    releases = [r for r in graph.of_types([RELEASE]) if is_prometheus_release(graph.inputs(r))]
    return graph, graph.of_types([PROMETHEUS_RULE]), releases


def _rule_selected(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph, rules, releases = _rules_and_releases(args)
    if rules and not releases:
        for rule in rules:
            report_violation(f"no {PROMETHEUS_CHART} release in this stack loads it", rule.urn)
        return
    for rule in rules:
        labels = get_path(graph.inputs(rule), "metadata", "labels")
        if not known(labels):
            continue
        labels = reveal(labels) or {}
        problems = []
        # The release the rule is deployed with, if it says; otherwise any release may load it.
        for release in [r for r in releases if r in rule.dependencies] or releases:
            wanted = rule_selector_labels(graph.inputs(release))
            if wanted is None:
                problems.append(f"{release.name} has no fixed name (set `name`), so no label can select it")
                continue
            missing = {k: v for k, v in wanted.items() if labels.get(k) != v}
            if not missing:
                break
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(missing.items()))
            problems.append(f"it lacks the label {shown} that {release.name}'s ruleSelector matches")
        else:
            report_violation(f"Prometheus ignores it: {'; '.join(problems)}", rule.urn)


def _rule_after_release(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    _, rules, releases = _rules_and_releases(args)
    for rule in rules:
        if releases and not any(release in rule.dependencies for release in releases):
            names = ", ".join(r.name for r in releases)
            report_violation(
                f"it does not depend on {names}: on a new cluster it is created before "
                "the PrometheusRule CRD exists (add depends_on)",
                rule.urn,
            )


helm_chart_version_pinned = ResourceValidationPolicy(
    name="helm-chart-version-pinned",
    description="Every Helm release installs one exact chart version.",
    validate=_chart_version_pinned,
    enforcement_level=EnforcementLevel.MANDATORY,
)

prometheus_rule_selected = StackValidationPolicy(
    name="prometheus-rule-selected",
    description=(
        "Every PrometheusRule carries the labels the kube-prometheus-stack release's ruleSelector "
        "matches (release: <release name> by default), so Prometheus loads it."
    ),
    validate=_rule_selected,
    enforcement_level=EnforcementLevel.MANDATORY,
)

prometheus_rule_after_release = StackValidationPolicy(
    name="prometheus-rule-after-release",
    description="Every PrometheusRule depends on the kube-prometheus-stack release that installs its CRD.",
    validate=_rule_after_release,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [helm_chart_version_pinned, prometheus_rule_selected, prometheus_rule_after_release]
