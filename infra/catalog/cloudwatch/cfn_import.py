"""Converts a CloudFormation template's ``AWS::CloudWatch::Alarm`` and ``CompositeAlarm`` resources
into catalog entries (composite rules: :mod:`.cfn_composite`).

For teams moving alarms from CloudFormation into the catalog: the output is plain dicts, ready to
dump into ``alerts/cloudwatch/<area>.yaml`` and to review (severity and runbook need a human).

* ``{"Ref": "X"}`` and ``${X}`` in ``Fn::Sub`` become ``${resources.x}``: set ``x`` in the stack's
  ``observability:cloudwatch.resources``.
* Actions, names and tags are dropped: the catalog routes by severity and names by stack.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from infra.catalog.cloudwatch.aws_models import allowed_statistics
from infra.catalog.cloudwatch.cfn_composite import (
    ALARM_TYPES,
    DROPPED_ALARM_PROPERTIES,
    RuleProblem,
    alarm_ids_by_name,
    composite_entry,
)
from infra.catalog.cloudwatch.models import Severity
from infra.errors import ProblemCollector

_SCALARS = {
    "Statistic": "statistic",
    "ExtendedStatistic": "extended_statistic",
    "Unit": "unit",
    "Period": "period",
    "EvaluationPeriods": "evaluation_periods",
    "DatapointsToAlarm": "datapoints_to_alarm",
    "Threshold": "threshold",
    "ComparisonOperator": "comparison_operator",
    "TreatMissingData": "treat_missing_data",
}
_BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\(\s*(\w+)\s*(?:,\s*([\d.]+)\s*)?\)\s*$")


class _Unsupported(ValueError):
    pass


def import_cfn_alarms(
    template: Mapping[str, Any],
    *,
    source: str = "template",
    severity: Severity = "warning",
    runbook_base_url: str = "https://runbooks.example.com/cloudwatch",
    catalog_ids: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Catalog entries (``alarms:`` list items) for every alarm and composite alarm in ``template``,
    in template order. A composite rule may name the template's alarms and ``catalog_ids`` (the ids
    ``alerts/cloudwatch/`` already defines).

    Raises :class:`DefinitionError` naming ``source`` and the logical id of each alarm that uses a
    feature the catalog cannot express (an intrinsic function in a number, several expressions), or
    ``Resources.<Id>.Properties.AlarmRule`` of a rule naming an alarm the catalog does not know.
    """
    problems = ProblemCollector()
    entries = []
    resources = {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, Mapping) and resource.get("Type") in ALARM_TYPES
    }
    id_for = {logical_id: kebab_case(logical_id) for logical_id in resources}
    names = alarm_ids_by_name({"Resources": resources}, id_for)
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        try:
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                entries.append(_entry(logical_id, properties, severity, runbook_base_url))
                continue
            entries.append(
                composite_entry(
                    logical_id,
                    properties,
                    alarm_id=id_for[logical_id],
                    id_for=id_for,
                    names=names,
                    catalog_ids=catalog_ids,
                    severity=severity,
                    runbook_url=f"{runbook_base_url.rstrip('/')}/{id_for[logical_id]}",
                )
            )
        except _Unsupported as error:
            problems.add(source, f"Resources.{logical_id}", str(error))
        except RuleProblem as error:
            where = f"Resources.{logical_id}" + (f".Properties.{error.where}" if error.where else "")
            problems.add(source, where, str(error))
    problems.raise_if_any()
    return entries


def kebab_case(name: str) -> str:
    """``CPUAlarmHigh`` -> ``cpu-alarm-high``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")


def _resource_name(name: str) -> str:
    return name[:1].lower() + name[1:]


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"Ref"} and not str(value["Ref"]).startswith("AWS::"):
        return f"${{resources.{_resource_name(value['Ref'])}}}"
    if isinstance(value, Mapping) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):

        def reference(match: re.Match[str]) -> str:
            if "." in match[1] or match[1].startswith("AWS::"):
                raise _Unsupported(f"{where}: ${{{match[1]}}} has no stack resource equivalent")
            return f"${{resources.{_resource_name(match[1])}}}"

        return re.sub(r"\$\{([^!}][^}]*)\}", reference, value["Fn::Sub"])
    raise _Unsupported(f"{where}: {value!r} cannot be expressed in the catalog (use a Ref or a literal)")


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        raise _Unsupported(f"{where}: {value!r} must be a literal value in the catalog")
    return value


def _dimensions(dimensions: Any, where: str) -> dict[str, str]:
    return {d["Name"]: _text(d["Value"], f"{where}.{d['Name']}") for d in dimensions or []}


def _entry(
    logical_id: str, properties: Mapping[str, Any], severity: Severity, runbook_base: str
) -> dict[str, Any]:
    alarm_id = kebab_case(logical_id)
    unknown = (
        set(properties)
        - DROPPED_ALARM_PROPERTIES
        - set(_SCALARS)
        - {
            "AlarmDescription",
            "Namespace",
            "MetricName",
            "Dimensions",
            "Metrics",
            "ThresholdMetricId",
        }
    )
    if unknown:
        raise _Unsupported(f"properties {', '.join(sorted(unknown))} have no catalog equivalent")
    entry: dict[str, Any] = {
        "id": alarm_id,
        "kind": "metric",
        "severity": severity,
        "description": _text(properties.get("AlarmDescription") or logical_id, "AlarmDescription"),
        "runbook_url": f"{runbook_base.rstrip('/')}/{alarm_id}",
    }
    for cfn_key, key in _SCALARS.items():
        if cfn_key in properties:
            entry[key] = _scalar(properties[cfn_key], cfn_key)
    if "Metrics" not in properties:
        entry["namespace"] = _text(properties.get("Namespace"), "Namespace")
        entry["metric_name"] = _text(properties.get("MetricName"), "MetricName")
        if properties.get("Dimensions"):
            entry["dimensions"] = _dimensions(properties["Dimensions"], "Dimensions")
        return entry
    return _with_queries(entry, properties)


def _metric(stat: Mapping[str, Any], where: str) -> dict[str, Any]:
    metric = stat["Metric"]
    result: dict[str, Any] = {
        "namespace": _text(metric["Namespace"], f"{where}.Namespace"),
        "metric_name": _text(metric["MetricName"], f"{where}.MetricName"),
    }
    if metric.get("Dimensions"):
        result["dimensions"] = _dimensions(metric["Dimensions"], f"{where}.Dimensions")
    return result


def _with_queries(entry: dict[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    queries = properties["Metrics"]
    stats = {q["Id"]: q for q in queries if "MetricStat" in q}
    expressions = [q for q in queries if "Expression" in q]
    returned = [q for q in queries if q.get("ReturnData", True)]
    periods = {q["MetricStat"]["Period"] for q in stats.values()} | {
        q["Period"] for q in expressions if "Period" in q
    }
    if len(periods) > 1:
        raise _Unsupported(f"Metrics use several periods ({sorted(periods)}); the catalog uses one per alarm")
    if periods:
        entry["period"] = periods.pop()
    threshold_id = properties.get("ThresholdMetricId")
    if threshold_id is not None:
        band = next((q for q in expressions if q["Id"] == threshold_id), None)
        match = _BAND.match(band["Expression"]) if band else None
        if match is None or match[1] not in stats:
            raise _Unsupported("ThresholdMetricId must name an ANOMALY_DETECTION_BAND of one metric")
        stat = stats[match[1]]["MetricStat"]
        entry.update(kind="anomaly", **_metric(stat, "Metrics"), stat=stat["Stat"])
        if match[2]:
            entry["band_width"] = float(match[2])
        return entry
    if not expressions and len(returned) == 1:
        stat = returned[0]["MetricStat"]
        statistic_key = "statistic" if stat["Stat"] in allowed_statistics() else "extended_statistic"
        entry.update(**_metric(stat, "Metrics"), **{statistic_key: stat["Stat"]})
        if "Unit" in stat:
            entry["unit"] = stat["Unit"]
        return entry
    if len(expressions) != 1:
        raise _Unsupported("Metrics hold several expressions; the catalog takes one expression per alarm")
    expression = expressions[0]
    entry.update(kind="math", expression=_text(expression["Expression"], "Metrics.Expression"))
    if expression.get("Label"):
        entry["label"] = expression["Label"]
    if stats:
        entry["metrics"] = {
            metric_id: {**_metric(q["MetricStat"], f"Metrics.{metric_id}"), "stat": q["MetricStat"]["Stat"]}
            | ({"unit": q["MetricStat"]["Unit"]} if "Unit" in q["MetricStat"] else {})
            for metric_id, q in stats.items()
        }
    return entry
