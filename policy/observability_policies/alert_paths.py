"""Every alert path ends at someone: an alarm's topic has a subscriber, a monitor names a handle.

An alarm that notifies an SNS topic nobody subscribes to changes state in silence; so does a Datadog
monitor whose message names no ``@handle``. Both plan and deploy without an error, which is why this
is a stack policy, mandatory everywhere. A stack whose alerts may reach nobody (a sandbox) says so
in its stack file (``observability:routing.unattended: <reason>``): the program writes the reason on
the topics as the ``alerts-unattended`` tag and marks the monitors ``alerts-unattended:true``, and
this policy accepts exactly those.

Alertmanager's receivers are checked where its configuration is loaded: a route to a receiver with
no integration is an error of ``alerts/alertmanager.yaml`` itself.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .alarms import ALARMS, TOPIC
from .alert_content import NOTIFICATION_HANDLE
from .graph import StackGraph
from .values import as_list, is_secret, is_set, is_unknown, reveal

SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
MONITOR = "datadog:index/monitor:Monitor"
UNATTENDED_TAG = "alerts-unattended"
"""Must equal ``infra.settings.routing.UNATTENDED_TAG`` (the pack does not import the program)."""
DELIVERING_PROTOCOLS = frozenset(
    {"email", "email-json", "https", "http", "sqs", "lambda", "sms", "application", "firehose"}
)
"""SNS protocols that deliver to a person or a system once the subscription is confirmed."""
RECOVERY_BLOCK = re.compile(r"\{\{#is_(warning_)?recovery\}\}.*?\{\{/is_(warning_)?recovery\}\}", re.DOTALL)


def subscribers(graph: StackGraph, topic: PolicyResource) -> list[str]:
    """The protocols of the subscriptions on ``topic`` that can deliver (an endpoint is set)."""
    found = []
    for subscription in graph.referencing(topic, "topic", [SUBSCRIPTION]):
        inputs = graph.inputs(subscription)
        protocol = reveal(inputs.get("protocol"))
        endpoint = inputs.get("endpoint")
        delivers = is_secret(endpoint) or is_unknown(endpoint) or is_set(reveal(endpoint))
        if (protocol in DELIVERING_PROTOCOLS or is_unknown(protocol)) and delivers:
            found.append(str(protocol))
    return found


def unattended_reason(graph: StackGraph, topic: PolicyResource) -> str | None:
    tags = reveal(graph.inputs(topic).get("tags"))
    reason = tags.get(UNATTENDED_TAG) if isinstance(tags, dict) else None
    return reason if isinstance(reason, str) and reason.strip() else None


def notification_handles(message: Any) -> list[str]:
    """The ``@handles`` a monitor's message notifies when it alerts (recovery-only ones excluded)."""
    if not isinstance(message, str):
        return []
    return NOTIFICATION_HANDLE.findall(RECOVERY_BLOCK.sub("", message))


def _alarm_topics(graph: StackGraph, alarm: PolicyResource) -> list[PolicyResource]:
    return graph.referenced(alarm, "alarmActions", [TOPIC])


def _alerts_reach_someone(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = StackGraph.of(args)
    for alarm in graph.of_types(ALARMS):
        topics = _alarm_topics(graph, alarm)
        if not topics:
            continue  # no managed topic: alarm-has-actions and the topic policy say why
        if any(subscribers(graph, t) or unattended_reason(graph, t) for t in topics):
            continue
        names = ", ".join(str(reveal(graph.inputs(t).get("name")) or t.name) for t in topics)
        report_violation(
            f"notifies {names}, which has no subscriber: the alarm reaches nobody "
            "(observability:routing.subscriptions and routes)",
            alarm.urn,
        )
    for monitor in graph.of_types([MONITOR]):
        inputs = graph.inputs(monitor)
        tags = [str(reveal(t)) for t in as_list(reveal(inputs.get("tags")))]
        if f"{UNATTENDED_TAG}:true" in tags or is_unknown(inputs.get("message")):
            continue
        if not notification_handles(reveal(inputs.get("message"))):
            report_violation(
                "its message names no @handle outside recovery blocks: the monitor reaches nobody "
                "(observability:datadog.routing, or monitors.<id>.notify)",
                monitor.urn,
            )


alerts_reach_someone = StackValidationPolicy(
    name="alerts-reach-someone",
    description=(
        "Every CloudWatch alarm notifies a topic with at least one subscriber, and every Datadog "
        "monitor names a handle, unless the stack file says why its alerts are unattended."
    ),
    validate=_alerts_reach_someone,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Add a subscription for the topic's severity (observability:routing.subscriptions) or a "
        "Datadog handle (observability:datadog.routing); for a stack nobody watches, set "
        "observability:routing.unattended to the reason."
    ),
)

POLICIES = [alerts_reach_someone]
ALWAYS_ENFORCED = frozenset({alerts_reach_someone.name})
"""Policies a policy config may not disable: their opt-out is a reason in the stack file."""
