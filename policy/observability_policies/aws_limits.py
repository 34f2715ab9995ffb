"""Names AWS will refuse, refused at preview: lengths and characters from AWS's own resource schemas.

A generated name (``<stack>-<alarm id>-<key>``, ``<service>-<environment>-alarms-critical``) can pass
every check of the program and still be rejected by the API halfway through ``pulumi up``, leaving
the stack partly applied. The limits are not typed here: they are read from the CloudFormation
registry schemas cfn-lint ships (the same ones AWS publishes), by file, without importing cfn-lint.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .values import reveal, snapshot

SCHEMA_REGION = "us-east-1"
"""cfn-lint ships one index per region; names are constrained the same way everywhere."""
NAMED_INPUTS: dict[str, tuple[str, dict[str, str]]] = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("AWS::CloudWatch::Alarm", {"name": "AlarmName"}),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (
        "AWS::CloudWatch::CompositeAlarm",
        {"alarmName": "AlarmName"},
    ),
    "aws:sns/topic:Topic": ("AWS::SNS::Topic", {"name": "TopicName"}),
    "aws:cloudwatch/logGroup:LogGroup": ("AWS::Logs::LogGroup", {"name": "LogGroupName"}),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ("AWS::Logs::MetricFilter", {"name": "FilterName"}),
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": (
        "AWS::Logs::SubscriptionFilter",
        {"name": "FilterName"},
    ),
    "aws:cloudwatch/eventRule:EventRule": ("AWS::Events::Rule", {"name": "Name"}),
    "aws:kms/alias:Alias": ("AWS::KMS::Alias", {"name": "AliasName"}),
    "aws:iam/role:Role": ("AWS::IAM::Role", {"name": "RoleName"}),
    "aws:iam/rolePolicy:RolePolicy": ("AWS::IAM::RolePolicy", {"name": "PolicyName"}),
    "aws:s3/bucket:Bucket": ("AWS::S3::Bucket", {"bucket": "BucketName"}),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (
        "AWS::KinesisFirehose::DeliveryStream",
        {"name": "DeliveryStreamName"},
    ),
}
"""Pulumi type -> (CloudFormation type, Pulumi input -> CloudFormation property)."""


@cache
def _schema_dir() -> Path | None:
    spec = find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@cache
def property_limits(cfn_type: str, prop: str) -> dict[str, Any]:
    """``maxLength``, ``minLength`` and ``pattern`` of a property in AWS's registry schema."""
    root = _schema_dir()
    if root is None:
        return {}
    index = json.loads((root / "providers" / f"{SCHEMA_REGION}.json").read_text(encoding="utf-8"))
    schema = json.loads((root / "resources" / f"{index[cfn_type]}.json").read_text(encoding="utf-8"))
    found = schema.get("properties", {}).get(prop, {})
    return {key: found[key] for key in ("maxLength", "minLength", "pattern") if key in found}


def name_problems(resource_type: str, inputs: dict[str, Any]) -> list[str]:
    entry = NAMED_INPUTS.get(resource_type)
    if entry is None:
        return []
    cfn_type, properties = entry
    problems = []
    for input_name, prop in properties.items():
        value = reveal(inputs.get(input_name))
        if not isinstance(value, str) or not value:
            continue  # unset (the provider names it) or not known yet
        limits = property_limits(cfn_type, prop)
        maximum = limits.get("maxLength")
        if maximum is not None and len(value) > maximum:
            problems.append(
                f"{input_name} {value!r} is {len(value)} characters; AWS allows at most {maximum} "
                f"({cfn_type} {prop})"
            )
        pattern = limits.get("pattern")
        # JSON Schema patterns are searched, not anchored; the schemas anchor where AWS does.
        if pattern is not None and re.search(pattern, value) is None:
            problems.append(f"{input_name} {value!r} does not match {pattern} ({cfn_type} {prop})")
    return problems


def _aws_name_limits(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in NAMED_INPUTS:
        return
    for problem in name_problems(args.resource_type, snapshot(args.props)):
        report_violation(problem, None)


aws_name_limits = ResourceValidationPolicy(
    name="aws-name-limits",
    description=(
        "Names of alarms, topics, log groups, filters, roles, buckets and streams fit the lengths and "
        "characters AWS's resource schemas allow, so `pulumi up` is not refused halfway."
    ),
    validate=_aws_name_limits,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps="Shorten the alarm id, the service or environment name, or the log group prefix.",
)

POLICIES = [aws_name_limits]
