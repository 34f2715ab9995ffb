"""An alarm that notifies nobody, or notifies a topic CloudWatch cannot publish to, is silent.

CloudWatch publishes to a KMS-encrypted SNS topic only if the key policy lets
``cloudwatch.amazonaws.com`` call kms:Decrypt and kms:GenerateDataKey*. Without that grant the
alarm changes state and the notification is dropped, with no error anywhere: the stack policy
follows each alarm to its topics and each topic to its key to prove the grant is there.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
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
from .iam import statements
from .values import as_list, is_set, is_unknown, json_document, known, reveal, snapshot

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
ALARMS = (METRIC_ALARM, COMPOSITE_ALARM)
ACTION_PROPERTIES = ("alarmActions", "okActions", "insufficientDataActions")
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
CLOUDWATCH = "cloudwatch.amazonaws.com"
REQUIRED_KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def _alarm_has_actions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in ALARMS:
        return
    props = snapshot(args.props)
    if not as_list(props.get("alarmActions")):
        report_violation("alarmActions is empty: the alarm notifies nobody", None)
    elif reveal(props.get("actionsEnabled")) is False:
        report_violation("actionsEnabled is false: the alarm's actions never run", None)


def _alarm_topics_encrypted(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = StackGraph.of(args)
    alarms_by_topic: dict[str, list[PolicyResource]] = {}
    topics: dict[str, PolicyResource] = {}
    topic_arns = {arn for t in graph.of_types([TOPIC]) for arn in graph.identities(t)}
    for alarm in graph.of_types(ALARMS):
        for prop in ACTION_PROPERTIES:
            for topic in graph.referenced(alarm, prop, [TOPIC]):
                topics[topic.urn] = topic
                alarms_by_topic.setdefault(topic.urn, []).append(alarm)
            for action in as_list(graph.inputs(alarm).get(prop)):
                action = reveal(action)
                if isinstance(action, str) and ":sns:" in action and action not in topic_arns:
                    report_violation(
                        f"notifies {action}, a topic this stack does not manage, so "
                        f"its encryption key cannot be checked for a grant to {CLOUDWATCH}",
                        alarm.urn,
                    )
    for urn, topic in topics.items():
        problem = _topic_problem(graph, topic)
        if problem:
            names = sorted({a.name for a in alarms_by_topic[urn]})
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            report_violation(f"notified by {shown}: {problem}", topic.urn)


def _topic_problem(graph: StackGraph, topic: PolicyResource) -> str | None:
    key_id = reveal(graph.inputs(topic).get("kmsMasterKeyId"))
    if not is_set(key_id):
        return "kmsMasterKeyId is not set: the topic is not encrypted"
    if isinstance(key_id, str) and "alias/aws/" in key_id:
        return f"{key_id} is an AWS-managed key, whose policy cannot grant {CLOUDWATCH}"
    keys = graph.referenced(topic, "kmsMasterKeyId", [KEY])
    for alias in graph.referenced(topic, "kmsMasterKeyId", [ALIAS]):
        keys += graph.referenced(alias, "targetKeyId", [KEY])
    if not keys:
        if is_unknown(key_id):
            return None
        return f"its key {key_id} is not managed by this stack, so its policy cannot be checked"
    for key in keys:
        documents = [graph.inputs(key).get("policy")]
        documents += [graph.inputs(p).get("policy") for p in graph.referencing(key, "keyId", [KEY_POLICY])]
        if not all(known(d) for d in documents):
            continue
        if not any(_grants_cloudwatch(json_document(d)) for d in documents):
            return (
                f"the policy of its key {key.name} does not allow {CLOUDWATCH} "
                "kms:Decrypt and kms:GenerateDataKey*, so CloudWatch cannot publish to it"
            )
    return None


def _grants_cloudwatch(document: Any) -> bool:
    granted: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or _limited_to_other_sources(statement):
            continue
        principal = statement.get("Principal")
        services = as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if CLOUDWATCH not in services and principal != "*":
            continue
        patterns = as_list(statement.get("Action"))
        granted |= {a for a in REQUIRED_KMS_ACTIONS if any(fnmatchcase(a, str(p)) for p in patterns)}
    return granted == set(REQUIRED_KMS_ACTIONS)


def _limited_to_other_sources(statement: dict[str, Any]) -> bool:
    """A grant whose aws:SourceArn condition names something other than CloudWatch alarms."""
    conditions = statement.get("Condition")
    for operator in conditions.values() if isinstance(conditions, dict) else []:
        if not isinstance(operator, dict):
            continue
        for key, value in operator.items():
            if key.lower() == "aws:sourcearn" and not any(":alarm:" in str(v) for v in as_list(value)):
                return True
    return False


alarm_has_actions = ResourceValidationPolicy(
    name="alarm-has-actions",
    description="Every CloudWatch alarm notifies someone: alarmActions is set and actions are enabled.",
    validate=_alarm_has_actions,
    enforcement_level=EnforcementLevel.MANDATORY,
)

alarm_topics_encrypted = StackValidationPolicy(
    name="alarm-topics-encrypted-for-cloudwatch",
    description=(
        "Every SNS topic an alarm notifies is KMS-encrypted with a key whose policy lets "
        "cloudwatch.amazonaws.com use it."
    ),
    validate=_alarm_topics_encrypted,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [alarm_has_actions, alarm_topics_encrypted]
