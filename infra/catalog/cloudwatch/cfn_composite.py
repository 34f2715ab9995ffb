"""Converts a template's ``AWS::CloudWatch::CompositeAlarm`` into a ``kind: composite`` catalog entry.

CloudFormation rules name their alarms by name or ARN, usually through ``!Ref Alarm`` (the alarm's
name) or ``!GetAtt Alarm.Arn`` inside ``!Sub`` or ``!Join``. The catalog's rules name catalog ids
(``ALARM(api-5xx-rate)``), which the component turns into the stack's alarm names. So each alarm
of the same template becomes the id it is imported as; a literal name is matched against the
template's ``AlarmName``s and the ids already in ``alerts/cloudwatch/``. Anything else is an alarm
the catalog does not know: the import stops, naming ``Resources.<Id>.Properties.AlarmRule``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from infra.catalog.cloudwatch.expressions import parse_composite_rule

ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
DROPPED_ALARM_PROPERTIES = {
    # Routing and naming come from the catalog and the stack (severity -> topic, <env>-<id>).
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "ActionsEnabled",
    "AlarmName",
    "Tags",
    "ActionConfiguration",
}
_MARK = "\x00"
_SUB_REFERENCE = re.compile(r"\$\{(?!!)([^}]+)\}")
_STATE = re.compile(
    r"(?P<state>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?P<arg>\"[^\"]*\"|'[^']*'|[^()\s\"']+)\s*\)"
)
_ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:[^:]*:[^:]*:alarm:(?P<name>.+)$")


class RuleProblem(ValueError):
    """A problem with one property (``where``) of a composite alarm."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def alarm_ids_by_name(template: Mapping[str, Any], id_for: Mapping[str, str]) -> dict[str, str]:
    """Literal ``AlarmName`` -> imported id, for rules that name an alarm of the template directly."""
    names = {}
    for logical_id, alarm_id in id_for.items():
        name = ((template["Resources"][logical_id] or {}).get("Properties") or {}).get("AlarmName")
        if isinstance(name, str):
            names[name] = alarm_id
    return names


def composite_entry(
    logical_id: str,
    properties: Mapping[str, Any],
    *,
    alarm_id: str,
    id_for: Mapping[str, str],
    names: Mapping[str, str],
    catalog_ids: Collection[str],
    severity: str,
    runbook_url: str,
) -> dict[str, Any]:
    """The catalog entry; :class:`RuleProblem` for what the catalog cannot express.

    ``id_for`` maps the logical id of each alarm of the template to its imported id, ``names`` each
    literal alarm name; ``catalog_ids`` are the ids ``alerts/cloudwatch/`` already defines.
    """
    unknown = set(properties) - DROPPED_ALARM_PROPERTIES - {"AlarmRule", "AlarmDescription"}
    if unknown:
        raise RuleProblem("", f"properties {', '.join(sorted(unknown))} have no catalog equivalent")
    if "AlarmRule" not in properties:
        raise RuleProblem("AlarmRule", "is required")
    text = _flatten(properties["AlarmRule"])
    if re.search(r"\bAT_LEAST\s*\(", text):
        raise RuleProblem(
            "AlarmRule", "uses AT_LEAST(), which catalog rules do not express: write it with AND and OR"
        )
    known = set(id_for.values()) | set(catalog_ids)

    def child(match: re.Match[str]) -> str:
        argument = match["arg"].strip("\"'")
        return f"{match['state']}({_child_id(argument, id_for, names, known)})"

    rule = _STATE.sub(child, text)
    if _MARK in rule:
        reference = rule.split(_MARK)[1]
        raise RuleProblem(
            "AlarmRule", f"uses a reference to {reference} outside ALARM(), OK() or INSUFFICIENT_DATA()"
        )
    try:
        parse_composite_rule(rule)
    except ValueError as error:
        raise RuleProblem("AlarmRule", f"{rule!r} {error}") from None
    description = properties.get("AlarmDescription") or logical_id
    if not isinstance(description, str):
        raise RuleProblem("AlarmDescription", "must be a literal text in the catalog")
    return {
        "id": alarm_id,
        "kind": "composite",
        "severity": severity,
        "description": description,
        "runbook_url": runbook_url,
        "rule": rule,
    }


def _child_id(argument: str, id_for: Mapping[str, str], names: Mapping[str, str], known: set[str]) -> str:
    if _MARK in argument:  # a reference, alone or inside an ARN built with ${AWS::Region}...
        logical_id = argument.split(_MARK)[1]
        if logical_id in id_for:
            return id_for[logical_id]
        raise RuleProblem(
            "AlarmRule",
            f"refers to {logical_id}, which is not an alarm of this template: a composite rule can only "
            "name alarms (import the template that defines it, or write the catalog id of the alarm)",
        )
    match = _ALARM_ARN.match(argument)
    name = match["name"] if match else argument
    if name in names:
        return names[name]
    if name in known:
        return name
    raise RuleProblem(
        "AlarmRule",
        f"refers to the alarm {name!r}, which neither this template nor alerts/cloudwatch/ defines. "
        "Still to decide: import the alarm it names first, or write the catalog id of the alarm it "
        "stands for in the rule",
    )


def _flatten(value: Any) -> str:
    """The rule as text, each reference to a resource written as ``\\0LogicalId\\0``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref" and isinstance(argument, str):
            return _mark(argument)
        if function == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
                return _mark(parts[0])
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            if isinstance(text, str) and isinstance(variables, Mapping):

                def replace(match: re.Match[str]) -> str:
                    name = match[1]
                    if name in variables:
                        return _flatten(variables[name])
                    if name.startswith("AWS::"):
                        return name  # a pseudo parameter, in an ARN around the alarm's name
                    return _mark(name.split(".")[0])

                return _SUB_REFERENCE.sub(replace, text).replace("${!", "${")
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                return separator.join(_flatten(part) for part in parts)
    raise RuleProblem("AlarmRule", f"{value!r} cannot be read: use a text with Ref, GetAtt, Sub or Join")


def _mark(logical_id: str) -> str:
    if logical_id.startswith("AWS::"):
        raise RuleProblem("AlarmRule", f"${{{logical_id}}} names no alarm")
    return f"{_MARK}{logical_id}{_MARK}"
