"""Human-readable plan: component -> resources, key inputs, flags, then counts by provider and type."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from obsctl.plan import Plan, PlannedResource, mask

MAX_VALUE_WIDTH = 100

KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays", "kmsKeyId"),
    "aws:kms/key:Key": ("description", "enableKeyRotation", "deletionWindowInDays"),
    "aws:kms/alias:Alias": ("name",),
    "aws:sns/topic:Topic": ("name", "kmsMasterKeyId"),
    "aws:sns/topicSubscription:TopicSubscription": ("protocol", "endpoint"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "name",
        "namespace",
        "metricName",
        "statistic",
        "extendedStatistic",
        "comparisonOperator",
        "threshold",
        "period",
        "evaluationPeriods",
        "datapointsToAlarm",
        "alarmActions",
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("alarmName", "alarmRule", "alarmActions"),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("name", "logGroupName", "pattern"),
    "kubernetes:helm.sh/v3:Release": ("name", "chart", "version", "namespace"),
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": ("metadata",),
    "grafana:index/dashboard:Dashboard": ("folder", "configJson"),
    "grafana:oss/dashboard:Dashboard": ("folder", "configJson"),
    "datadog:index/monitor:Monitor": ("name", "type", "query", "tags", "monitorThresholds"),
}
FALLBACK_KEYS = ("name", "description")


def render_text(plan: Plan) -> str:
    children: dict[str | None, list[PlannedResource]] = {}
    names = {r.name for r in plan.resources}
    for resource in plan.resources:
        parent = resource.parent if resource.parent in names else None
        children.setdefault(parent, []).append(resource)
    for group in children.values():
        group.sort(key=lambda r: (r.custom, r.type, r.name))

    lines = [f"Plan for stack {plan.stack} (project {plan.project}), offline preview"]
    lines.append("  ${name.property} = known after apply; [secret] = encrypted in state, never shown")
    lines.append("")

    def walk(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            flags = [
                f for f, on in (("protect", resource.protect), ("retain", resource.retain_on_delete)) if on
            ]
            flag_text = f" [{', '.join(flags)}]" if flags else ""
            indent = "  " * depth
            lines.append(f"{indent}+ {resource.type} {resource.name}{flag_text}")
            if resource.custom:
                for key, value in _key_inputs(resource):
                    lines.append(f"{indent}    {key}: {_short(value)}")
            walk(resource.name, depth + 1)

    walk(None, 0)
    lines.append("")
    lines.extend(render_summary(plan))
    if plan.outputs:
        lines.append("")
        lines.append("Outputs:")
        for key in sorted(plan.outputs):
            lines.append(f"  {key}: {_short(mask(plan.outputs[key]))}")
    return "\n".join(lines) + "\n"


def render_summary(plan: Plan) -> list[str]:
    custom = [r for r in plan.resources if r.custom]
    by_provider = Counter(r.type.split(":")[0] for r in custom)
    by_type = Counter(r.type for r in custom)
    lines = [f"Resources: {len(custom)} to create ({len(plan.resources) - len(custom)} components)"]
    lines.append("  by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())))
    for type_token, count in sorted(by_type.items()):
        lines.append(f"  {count:5d}  {type_token}")
    return lines


def _key_inputs(resource: PlannedResource) -> list[tuple[str, Any]]:
    keys = KEY_INPUTS.get(resource.type, FALLBACK_KEYS)
    masked = resource.masked_inputs()
    return [(k, masked[k]) for k in keys if k in masked]


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_VALUE_WIDTH else text[: MAX_VALUE_WIDTH - 1] + "…"
