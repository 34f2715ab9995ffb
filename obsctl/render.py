"""Human-readable plan: component -> resources, key inputs, flags, then counts by provider and type."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from obsctl.alert_paths import alert_path_lines
from obsctl.plan import Plan, PlannedResource
from obsctl.redact import redact_text

MAX_VALUE_WIDTH = 100
MAX_VALUE_LINES = 80

KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays", "kmsKeyId"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:kms/key:Key": ("description", "enableKeyRotation", "deletionWindowInDays", "policy"),
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
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": (
        "logGroup",
        "filterPattern",
        "destinationArn",
    ),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (
        "destination",
        "httpEndpointConfiguration.url",
        "httpEndpointConfiguration.accessKey",
        "httpEndpointConfiguration.s3BackupMode",
        "httpEndpointConfiguration.retryDuration",
        "opensearchConfiguration.domainArn",
        "opensearchConfiguration.s3BackupMode",
        "opensearchConfiguration.retryDuration",
    ),
    "aws:s3/bucket:Bucket": ("bucket",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("rules",),
    "aws:iam/role:Role": ("name", "assumeRolePolicy"),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "kubernetes:helm.sh/v3:Release": ("name", "chart", "version", "namespace", "repositoryOpts.repo"),
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": ("metadata.name", "metadata.labels", "spec.groups"),
    "kubernetes:core/v1:Secret": ("metadata.name", "stringData"),
    "kubernetes:core/v1:Namespace": ("metadata.name",),
    "grafana:oss/dashboard:Dashboard": ("folder", "configJson"),
    "grafana:oss/folder:Folder": ("title", "uid"),
    "grafana:oss/dataSource:DataSource": ("name", "type", "uid", "url", "isDefault"),
    "datadog:index/monitor:Monitor": (
        "name",
        "type",
        "query",
        "tags",
        "monitorThresholds",
        "priority",
        "message",
    ),
}
FALLBACK_KEYS = ("name", "description")
_ABSENT = object()


def render_text(plan: Plan) -> str:
    children: dict[str | None, list[PlannedResource]] = {}
    for resource in plan.resources:
        children.setdefault(resource.parent_urn, []).append(resource)
    for group in children.values():
        group.sort(key=lambda r: (r.custom, r.type, r.name))

    known = plan.secret_values()
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
                for key, value in _key_inputs(resource, known):
                    lines.append(f"{indent}    {key}: {_short(value)}")
                if resource.type == "kubernetes:helm.sh/v3:Release":
                    lines.extend(f"{indent}    {line}" for line in _values_lines(resource, known))
                if resource.depends_on:
                    lines.append(f"{indent}    dependsOn: {', '.join(sorted(resource.depends_on))}")
            walk(resource.urn, depth + 1)

    walk(None, 0)
    lines.append("")
    lines.extend(render_summary(plan))
    outputs = plan.masked_outputs()
    if outputs:
        lines.append("")
        lines.append("Outputs:")
        for key in sorted(outputs):
            lines.append(f"  {key}: {_short(outputs[key])}")
    # Inputs are masked as they are read; this catches what reached a name, an output or a summary.
    return redact_text("\n".join(lines) + "\n", known)


def render_summary(plan: Plan) -> list[str]:
    custom = [r for r in plan.resources if r.custom]
    by_provider = Counter(r.type.split(":")[0] for r in custom)
    by_type = Counter(r.type for r in custom)
    lines = [f"Resources: {len(custom)} to create ({len(plan.resources) - len(custom)} components)"]
    lines.append("  by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())))
    for type_token, count in sorted(by_type.items()):
        lines.append(f"  {count:5d}  {type_token}")
    paths = alert_path_lines(plan)
    return [*lines, "", *paths] if paths else lines


def _key_inputs(resource: PlannedResource, known_secrets: set[str]) -> list[tuple[str, Any]]:
    return key_inputs(resource.type, resource.masked_inputs(known_secrets))


def key_inputs(type_token: str, masked: dict[str, Any]) -> list[tuple[str, Any]]:
    """What identifies a resource of ``type_token`` and what a reviewer checks first (a threshold)."""
    keys = KEY_INPUTS.get(type_token, FALLBACK_KEYS)
    found = []
    for key in keys:
        value: Any = masked
        for part in key.split("."):
            value = value.get(part, _ABSENT) if isinstance(value, dict) else _ABSENT
        if value is not _ABSENT:
            found.append((key, _summarize(key, value)))
    return found


def _values_lines(resource: PlannedResource, known_secrets: set[str]) -> list[str]:
    """Helm values, one leaf per line: what differs per environment is visible in the plan."""
    leaves: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and value:
            for key in sorted(value):
                walk(value[key], f"{path}.{key}")
        else:
            leaves.append(f"{path}: {_short(value)}")

    walk(resource.masked_inputs(known_secrets).get("values", {}), "values")
    if len(leaves) > MAX_VALUE_LINES:
        hidden = len(leaves) - MAX_VALUE_LINES
        leaves = [*leaves[:MAX_VALUE_LINES], f"… {hidden} more values (obsctl plan --json shows all)"]
    return leaves


def _summarize(key: str, value: Any) -> Any:
    """A dashboard's JSON is long: the plan shows what identifies it."""
    if key in ("policy", "assumeRolePolicy") and isinstance(value, str):
        return _policy_summary(value)
    if key == "message" and isinstance(value, str):
        handles = sorted(set(re.findall(r"(?<![\w@])@[\w.+-]+(?:@[\w.-]+)?", value)))
        return f"notifies {', '.join(handles) or 'nobody'}"
    if key == "spec.groups" and isinstance(value, list):
        rules = sum(len(group.get("rules", [])) for group in value if isinstance(group, dict))
        return f"{len(value)} group(s), {rules} rule(s)"
    if key == "configJson" and isinstance(value, str):
        try:
            model = json.loads(value)
        except json.JSONDecodeError:
            return value
        panels = len(model.get("panels", []))
        return f"uid={model.get('uid')} title={model.get('title')!r} panels={panels}"
    return value


def _policy_summary(document: str) -> str:
    """An IAM or key policy as who may do what: the line a reviewer checks first."""
    try:
        statements = json.loads(document).get("Statement", [])
    except (json.JSONDecodeError, AttributeError):
        return document
    parts = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        who = (
            principal
            if isinstance(principal, str)
            else ", ".join(
                str(v)
                for values in principal.values()
                for v in (values if isinstance(values, list) else [values])
            )
        )
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        verb = "allow" if statement.get("Effect") == "Allow" else "deny"
        parts.append(f"{verb} {who + ' ' if who else ''}{'/'.join(actions)}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_VALUE_WIDTH else text[: MAX_VALUE_WIDTH - 1] + "…"
