"""Rendered resources as CloudFormation properties, checked against CloudFormation's registry schemas.

The last line of defence after the catalog's own checks: every rendered alarm and metric filter
must satisfy the registry schema of its type (lengths, patterns, enums), which is what AWS
validates on create. Pulumi's AWS provider calls the same APIs, so the constraints are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from infra.catalog.cloudwatch import aws_models
from infra.catalog.cloudwatch.rendered import RenderedMetricAlarm, RenderedMetricFilter


def cloudformation_problems(type_name: str, properties: Mapping[str, Any]) -> list[str]:
    """Where ``properties`` break the CloudFormation registry schema of ``type_name``."""
    schema = aws_models.cfn_resource_schema(type_name)
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(dict(properties)), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or type_name
        problems.append(f"{type_name} {path}: {error.message}")
    return problems


def _dimension_list(dimensions: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in (dimensions or {}).items()]


def metric_alarm_properties(alarm: RenderedMetricAlarm) -> dict[str, Any]:
    """The alarm as CloudFormation's ``AWS::CloudWatch::Alarm`` properties, to validate it."""
    properties: dict[str, Any] = {
        "AlarmDescription": alarm.alarm_description,
        "ComparisonOperator": alarm.comparison_operator,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ThresholdMetricId": alarm.threshold_metric_id,
        "TreatMissingData": alarm.treat_missing_data,
        "Namespace": alarm.namespace,
        "MetricName": alarm.metric_name,
        "Dimensions": _dimension_list(alarm.dimensions) if alarm.dimensions else None,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Unit": alarm.unit,
        "Period": alarm.period,
    }
    if alarm.metric_queries is not None:
        properties["Metrics"] = [_cfn_query(query) for query in alarm.metric_queries]
    return {key: value for key, value in properties.items() if value is not None}


def _cfn_query(query: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"Id": query["id"], "ReturnData": query["return_data"]}
    for key, cfn_key in (("expression", "Expression"), ("label", "Label"), ("period", "Period")):
        if key in query:
            result[cfn_key] = query[key]
    if "metric" in query:
        metric = query["metric"]
        stat: dict[str, Any] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metric_name"],
                "Dimensions": _dimension_list(metric.get("dimensions")),
            },
            "Period": metric["period"],
            "Stat": metric["stat"],
        }
        if "unit" in metric:
            stat["Unit"] = metric["unit"]
        result["MetricStat"] = stat
    return result


def metric_filter_properties(metric_filter: RenderedMetricFilter) -> dict[str, Any]:
    transformation = metric_filter.metric_transformation
    cfn: dict[str, Any] = {
        "MetricName": transformation["name"],
        "MetricNamespace": transformation["namespace"],
        "MetricValue": transformation["value"],
    }
    if "default_value" in transformation:
        cfn["DefaultValue"] = float(transformation["default_value"])
    if "unit" in transformation:
        cfn["Unit"] = transformation["unit"]
    if transformation.get("dimensions"):
        cfn["Dimensions"] = [
            {"Key": key, "Value": value} for key, value in transformation["dimensions"].items()
        ]
    return {
        "FilterName": metric_filter.id,
        "FilterPattern": metric_filter.pattern,
        "LogGroupName": metric_filter.log_group_name,
        "MetricTransformations": [cfn],
    }
