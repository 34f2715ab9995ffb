"""CloudWatch metric alarms (static, metric math, anomaly band), composite alarms and dashboards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.contract.moto_replay.checks import check_json
from tests.contract.moto_replay.composite_rule import RuleSyntaxError, referenced_alarms
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays

BAND_OPERATORS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)


@replays("aws:cloudwatch/metricAlarm:MetricAlarm")
def metric_alarm(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = ctx.name(inputs)
    cloudwatch = ctx.client("cloudwatch")
    params = present(
        AlarmName=name,
        AlarmDescription=inputs.get("alarmDescription"),
        ActionsEnabled=inputs.get("actionsEnabled"),
        AlarmActions=inputs.get("alarmActions"),
        OKActions=inputs.get("okActions"),
        InsufficientDataActions=inputs.get("insufficientDataActions"),
        ComparisonOperator=inputs.get("comparisonOperator"),
        EvaluationPeriods=inputs.get("evaluationPeriods"),
        DatapointsToAlarm=inputs.get("datapointsToAlarm"),
        Threshold=inputs.get("threshold"),
        ThresholdMetricId=inputs.get("thresholdMetricId"),
        TreatMissingData=inputs.get("treatMissingData"),
        EvaluateLowSampleCountPercentile=inputs.get("evaluateLowSampleCountPercentiles"),
        MetricName=inputs.get("metricName"),
        Namespace=inputs.get("namespace"),
        Period=inputs.get("period"),
        Statistic=inputs.get("statistic"),
        ExtendedStatistic=inputs.get("extendedStatistic"),
        Unit=inputs.get("unit"),
        Dimensions=tag_list(inputs.get("dimensions"), "Name", "Value"),
        Metrics=[_query(query) for query in inputs.sections("metricQueries")],
        Tags=tag_list(inputs.get("tags")),
    )
    shape = cloudwatch.meta.service_model.operation_model("PutMetricAlarm").input_shape
    for key in ("evaluationCriteria", "evaluationInterval", "evaluationWindow", "warmUpConfiguration"):
        member = key[0].upper() + key[1:]
        value = inputs.convert(key, shape.members[member])
        if value is not None:
            params[member] = value
    problems = metric_alarm_problems(params)
    if problems:
        raise ReplayError("; ".join(problems))
    cloudwatch.put_metric_alarm(**params)
    return {"id": name, "name": name, "arn": ctx.arn("cloudwatch", f"alarm:{name}")}


def _query(query: Inputs) -> dict[str, Any]:
    stat = None
    if query.has("metric"):
        metric = query.section("metric")
        stat = present(
            Metric=present(
                Namespace=metric.get("namespace"),
                MetricName=metric.require("metricName"),
                Dimensions=tag_list(metric.get("dimensions"), "Name", "Value"),
            ),
            Period=metric.require("period"),
            Stat=metric.require("stat"),
            Unit=metric.get("unit"),
        )
    return present(
        Id=query.require("id"),
        Expression=query.get("expression"),
        MetricStat=stat,
        Label=query.get("label"),
        ReturnData=query.get("returnData"),
        Period=query.get("period"),
        AccountId=query.get("accountId"),
    )


def metric_alarm_problems(params: Mapping[str, Any]) -> list[str]:
    """PutMetricAlarm's documented combination rules, which the model cannot express and moto skips."""
    problems: list[str] = []
    metrics: list[dict[str, Any]] = params.get("Metrics", [])
    single = {"MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Period", "Dimensions", "Unit"}
    if metrics and single & params.keys():
        problems.append(f"metricQueries cannot be combined with {', '.join(sorted(single & params.keys()))}")
    if not metrics:
        if "MetricName" not in params:
            problems.append("an alarm needs metricName or metricQueries")
        if ("Statistic" in params) == ("ExtendedStatistic" in params):
            problems.append("exactly one of statistic and extendedStatistic is required")
        problems += _period_problems(params.get("Period"), "period", required=True)
    if ("Threshold" in params) == ("ThresholdMetricId" in params):
        problems.append("exactly one of threshold and thresholdMetricId is required")
    band = params.get("ThresholdMetricId")
    operator = params.get("ComparisonOperator")
    if band is not None:
        expression = next((m.get("Expression", "") for m in metrics if m["Id"] == band), None)
        if expression is None or not expression.startswith("ANOMALY_DETECTION_BAND("):
            problems.append(f"thresholdMetricId {band!r} is not the id of an ANOMALY_DETECTION_BAND query")
        if operator not in BAND_OPERATORS:
            problems.append(f"an anomaly band alarm compares with one of {', '.join(BAND_OPERATORS)}")
    elif operator in BAND_OPERATORS:
        problems.append(f"{operator} needs thresholdMetricId")
    if metrics:
        # ReturnData defaults to true: exactly one result (besides the band) may be returned.
        returned = [m["Id"] for m in metrics if m.get("ReturnData", True) and m["Id"] != band]
        if len(returned) != 1:
            problems.append(f"exactly one metric query must return data, not {returned or 'none'}")
        for query in metrics:
            if ("Expression" in query) == ("MetricStat" in query):
                problems.append(f"metric query {query['Id']!r} needs exactly one of expression and metric")
            if "MetricStat" in query:
                problems += _period_problems(
                    query["MetricStat"].get("Period"), f"metric query {query['Id']!r} period"
                )
    datapoints, periods = params.get("DatapointsToAlarm"), params.get("EvaluationPeriods")
    if periods is None:
        problems.append("evaluationPeriods is required")
    elif isinstance(datapoints, int) and isinstance(periods, int) and datapoints > periods:
        problems.append(f"datapointsToAlarm {datapoints} exceeds evaluationPeriods {periods}")
    return problems


def _period_problems(period: Any, where: str, *, required: bool = False) -> list[str]:
    if period is None:
        return [f"{where} is required"] if required else []
    if period in (10, 20, 30) or (isinstance(period, int) and period > 0 and period % 60 == 0):
        return []
    return [f"{where} {period} is not 10, 20, 30 or a multiple of 60"]


@replays("aws:cloudwatch/compositeAlarm:CompositeAlarm")
def composite_alarm(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("alarmName")
    rule = inputs.require("alarmRule")
    try:
        children = referenced_alarms(rule)
    except RuleSyntaxError as error:
        raise ReplayError(f"input alarmRule does not parse: {error}") from None
    suppressor = inputs.section("actionsSuppressor")
    params = present(
        AlarmName=name,
        AlarmRule=rule,
        AlarmDescription=inputs.get("alarmDescription"),
        ActionsEnabled=inputs.get("actionsEnabled"),
        AlarmActions=inputs.get("alarmActions"),
        OKActions=inputs.get("okActions"),
        InsufficientDataActions=inputs.get("insufficientDataActions"),
        ActionsSuppressor=suppressor.get("alarm"),
        ActionsSuppressorWaitPeriod=suppressor.get("waitPeriod"),
        ActionsSuppressorExtensionPeriod=suppressor.get("extensionPeriod"),
        Tags=tag_list(inputs.get("tags")),
    )
    for child in [*children, *([params["ActionsSuppressor"]] if "ActionsSuppressor" in params else [])]:
        if not _alarm_exists(ctx, child):
            raise ReplayError(f"alarm {child!r} referenced by {name} does not exist (created before it?)")
    ctx.validate_only("cloudwatch", "PutCompositeAlarm", params, "moto does not implement PutCompositeAlarm")
    ctx.state.composite_alarms.add(name)
    return {"id": name, "name": name, "arn": ctx.arn("cloudwatch", f"alarm:{name}")}


def _alarm_exists(ctx: ResourceContext, reference: str) -> bool:
    name = (
        reference.split(":alarm:", 1)[1]
        if reference.startswith("arn:") and ":alarm:" in reference
        else reference
    )
    if name in ctx.state.composite_alarms:
        return True
    found = ctx.client("cloudwatch").describe_alarms(AlarmNames=[name])
    return bool(found["MetricAlarms"] or found["CompositeAlarms"])


@replays("aws:cloudwatch/dashboard:Dashboard")
def dashboard(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = inputs.require("dashboardName")
    body = check_json(inputs.require("dashboardBody"), "dashboardBody")
    ctx.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=body)
    return {"id": name, "dashboardArn": f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{name}"}
