"""What an on-call engineer needs from every page: how bad it is, where the runbook is, who gets it.

Each alerting system keeps those in its own place:

- Prometheus rules (PrometheusRule specs, kube-prometheus-stack values): ``labels.severity`` and
  ``annotations.runbook_url``;
- CloudWatch alarms: the ``severity`` tag, and the runbook URL in ``alarmDescription``;
- Datadog monitors: a ``severity:<level>`` tag or a priority, and the runbook URL in the message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .kubernetes import PROMETHEUS_RULE, RELEASE, is_prometheus_release
from .values import URL, as_list, get_path, is_set, known, reveal, snapshot

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DATADOG_MONITOR = "datadog:index/monitor:Monitor"
DASHBOARDS = ("grafana:oss/dashboard:Dashboard", "grafana:index/dashboard:Dashboard")
ALERTING = (PROMETHEUS_RULE, RELEASE, METRIC_ALARM, COMPOSITE_ALARM, DATADOG_MONITOR)
# A handle is an @ that does not continue a word: "@pagerduty-api", "{{#is_alert}}@slack-sre{{/is_alert}}",
# "@sre@example.com"; the @ inside "sre@example.com" alone is not one.
NOTIFICATION_HANDLE = re.compile(r"(?<![\w.@+-])@\w[\w.+@-]*")
DEFAULT_REQUIRED_TAG_KEYS = ["env"]
DATADOG_NO_RUNBOOK = (
    "the message has no runbook URL: give the monitor one in alerts/datadog/ (`runbook_url:`, a "
    "link in its message, or a runbook asset), or give every monitor without one a link built from its id with the "
    'stack setting observability:datadog.runbookUrlTemplate (e.g. "https://runbooks.example.com/datadog/{id}")'
)


def _severity_and_runbook(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in ALERTING:
        return
    props = snapshot(args.props)
    if args.resource_type == PROMETHEUS_RULE:
        for where, problem in _prometheus_rule_problems(get_path(props, "spec", "groups"), "spec"):
            report_violation(f"{where}: {problem}", None)
    elif args.resource_type == RELEASE and is_prometheus_release(props):
        values = reveal(props.get("values")) or {}
        for where, groups in _rules_in_chart_values(values):
            for path, problem in _prometheus_rule_problems(groups, where):
                report_violation(f"values.{path}: {problem}", None)
    elif args.resource_type in (METRIC_ALARM, COMPOSITE_ALARM):
        tags = reveal(props.get("tags"))
        if known(tags) and not (isinstance(tags, dict) and is_set(tags.get("severity"))):
            report_violation("no severity tag", None)
        description = reveal(props.get("alarmDescription"))
        if known(description) and not URL.search(str(description or "")):
            report_violation("alarmDescription has no runbook URL", None)
    elif args.resource_type == DATADOG_MONITOR:
        tags = [str(t) for t in as_list(props.get("tags"))]
        if known(props.get("tags")) and not (
            any(t.startswith("severity:") for t in tags) or is_set(props.get("priority"))
        ):
            report_violation("neither a severity:<level> tag nor a priority", None)
        message = reveal(props.get("message"))
        runbook_assets = [
            a
            for a in as_list(reveal(props.get("assets")))
            if isinstance(a, dict) and a.get("category") == "runbook"
        ]
        if known(message) and not URL.search(str(message or "")) and not runbook_assets:
            report_violation(DATADOG_NO_RUNBOOK, None)


def _rules_in_chart_values(values: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    rules_map = values.get("additionalPrometheusRulesMap")
    if isinstance(rules_map, dict):
        for name, body in rules_map.items():
            yield f"additionalPrometheusRulesMap.{name}.groups", get_path(body, "groups")
    for index, body in enumerate(as_list(values.get("additionalPrometheusRules"))):
        yield f"additionalPrometheusRules[{index}].groups", get_path(body, "groups")


def _prometheus_rule_problems(groups: Any, where: str) -> Iterator[tuple[str, str]]:
    if not known(groups):
        return
    for g, group in enumerate(as_list(groups)):
        for r, rule in enumerate(as_list(get_path(group, "rules"))):
            if not isinstance(rule, dict) or "alert" not in rule:
                continue
            place = f"{where}[{g}].rules[{r}] ({rule['alert']})"
            if not is_set(get_path(rule, "labels", "severity")):
                yield place, "no labels.severity"
            runbook = reveal(get_path(rule, "annotations", "runbook_url"))
            if not (isinstance(runbook, str) and URL.match(runbook)):
                yield place, "no annotations.runbook_url"


def _datadog_monitor_routing(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != DATADOG_MONITOR:
        return
    props = snapshot(args.props)
    required = args.get_config().get("requiredTagKeys", DEFAULT_REQUIRED_TAG_KEYS)
    if known(props.get("tags")):
        keys = {str(t).split(":", 1)[0] for t in as_list(props.get("tags")) if ":" in str(t)}
        for key in required:
            if key not in keys:
                report_violation(f"no {key}:<value> tag", None)
    # Whether the message notifies anyone is alerts-reach-someone's question (alert_paths.py).


def _dashboard_portable(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in DASHBOARDS:
        return
    config = reveal(snapshot(args.props).get("configJson"))
    if not known(config) or not isinstance(config, str):
        return
    try:
        dashboard = json.loads(config)
    except json.JSONDecodeError as error:
        report_violation(f"configJson is not JSON: {error}", None)
        return
    if not (isinstance(dashboard, dict) and isinstance(dashboard.get("uid"), str) and dashboard["uid"]):
        report_violation("configJson has no uid: each apply may create a new dashboard and break links", None)
    placeholders = sorted(set(re.findall(r"\$\{DS_[A-Za-z0-9_]*\}?", config)))
    if placeholders:
        report_violation(
            f"configJson still holds the export placeholder {', '.join(placeholders)}: "
            "Grafana does not resolve it outside the import dialog",
            None,
        )


alert_severity_and_runbook = ResourceValidationPolicy(
    name="alert-severity-and-runbook",
    description="Every alert, alarm and monitor says how severe it is and links its runbook.",
    validate=_severity_and_runbook,
    enforcement_level=EnforcementLevel.MANDATORY,
)

datadog_monitor_routing = ResourceValidationPolicy(
    name="datadog-monitor-routing",
    description="Every Datadog monitor carries the tags routing and ownership rely on (env by default).",
    validate=_datadog_monitor_routing,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredTagKeys": {
                "type": "array",
                "items": {"type": "string"},
                "default": DEFAULT_REQUIRED_TAG_KEYS,
                "description": "Tag keys every monitor must carry.",
            }
        }
    ),
)

grafana_dashboard_portable = ResourceValidationPolicy(
    name="grafana-dashboard-portable",
    description="Every Grafana dashboard has an explicit uid and no unresolved ${DS_…} placeholder.",
    validate=_dashboard_portable,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [alert_severity_and_runbook, datadog_monitor_routing, grafana_dashboard_portable]
