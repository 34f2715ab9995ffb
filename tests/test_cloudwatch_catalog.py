"""The CloudWatch alarm catalog: shipped alarms, AWS-model validation, stack overrides, CFN import."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pulumi_aws.cloudwatch as cw
import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from infra.catalog.cloudwatch import (
    AlarmCatalog,
    RenderedCompositeAlarm,
    RenderedMetricAlarm,
    alarm_name,
    allowed_log_retention_days,
    aws_models,
    check_log_retention_days,
    import_cfn_alarms,
    load_catalog,
    render_alarms,
    render_metric_filters,
)
from infra.catalog.cloudwatch.__main__ import main as schema_main
from infra.catalog.cloudwatch.agent_config import agent_metric_names
from infra.catalog.cloudwatch.models import Alarm
from infra.catalog.cloudwatch.schema import SCHEMA_FILES, generated_schema
from infra.errors import DefinitionError
from infra.settings.cloudwatch import AlarmOverride, CloudWatchSettings
from tests.conftest import PROJECT_DIR

ACCOUNT = "123456789012"


def other_resources(stack: str) -> dict[str, str]:
    """The ``resources.other`` of a stack file: what alarms a team imported refer to. These tests set
    the project's own resources themselves and take the rest from the stack."""
    from infra.config import load_settings
    from obsctl.stackfile import read_stack_file

    return dict(load_settings(read_stack_file(PROJECT_DIR, stack).raw).cloudwatch.resources.other)


PROD = CloudWatchSettings.model_validate(
    {
        "resources": {
            "other": other_resources("prod"),
            "loadBalancer": f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/metrics-prod/50dc6c495c0c9188",
            "targetGroup": f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/metrics-api/73e2d6bc24d8a067",
            "rdsInstance": "metrics-prod",
            "rdsMaxConnections": 400.0,  # Pulumi's config hands numbers over as floats
            "cacheCluster": "metrics-prod-001",
            "agentNamespace": "ExternalMetrics/Production",
            "certificates": {
                "api": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555",
                "dashboard": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/66666666-7777-8888-9999-000000000000",
            },
        },
        "alarms": {"api-5xx-rate": {"threshold": 3}, "node-disk-warning": {"evaluationPeriods": 2}},
    }
)
STAGING = CloudWatchSettings.model_validate(
    {
        "resources": {
            "other": other_resources("staging"),
            "loadBalancer": "app/metrics-staging/0123456789abcdef",
            "targetGroup": "targetgroup/metrics-api/fedcba9876543210",
            "rdsInstance": "metrics-staging",
            "rdsMaxConnections": 100,
            "cacheCluster": "metrics-staging-001",
            "agentNamespace": "ExternalMetrics/Staging",
        },
        "alarms": {
            "api-traffic-anomaly": {"enabled": False},
            "cache-hit-rate-degraded": {"enabled": False},
            "api-latency-p95": {
                "threshold": 1.0,
                "period": 300,
                "evaluationPeriods": 3,
                "datapointsToAlarm": 2,
            },
            "security-critical-event": {"severity": "warning"},
        },
    }
)
LOG_GROUPS = ("application", "exceptions", "rejections", "security-audit")


@pytest.fixture(scope="module")
def catalog() -> AlarmCatalog:
    return load_catalog(PROJECT_DIR)


def render(catalog: AlarmCatalog, settings: CloudWatchSettings, stack: str) -> dict[str, Any]:
    alarms = render_alarms(catalog, settings.alarms, settings.resources.references(), f"Pulumi.{stack}.yaml")
    return {alarm.id: alarm for alarm in alarms}


def problems_of(error: pytest.ExceptionInfo[DefinitionError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# --- The shipped catalog -----------------------------------------------------------------------------


DESIGN_NOTES_THRESHOLDS = {
    # id: (severity, comparison, threshold, period x evaluation periods in seconds)
    "api-5xx-rate": ("critical", "GreaterThanThreshold", 5, 300),
    "api-latency-p95": ("warning", "GreaterThanThreshold", 0.5, 300),
    "rds-connections-high": ("critical", "GreaterThanThreshold", 80, 300),
    "node-cpu-critical": ("critical", "LessThanThreshold", 100 - 85, 300),
    "node-cpu-warning": ("warning", "LessThanThreshold", 100 - 80, 300),
    "node-memory-critical": ("critical", "GreaterThanThreshold", 90, 180),
    "node-disk-warning": ("warning", "GreaterThanThreshold", 80, 300),
    "node-disk-critical": ("critical", "GreaterThanThreshold", 95, 60),
    "lb-unhealthy-hosts": ("critical", "GreaterThanThreshold", 0, 120),
    "acm-expiry-30d": ("warning", "LessThanOrEqualToThreshold", 30, 86400),
    "acm-expiry-7d": ("critical", "LessThanOrEqualToThreshold", 7, 86400),
    "app-error-count": ("warning", "GreaterThanThreshold", 100, 300),
    "security-critical-event": ("critical", "GreaterThanOrEqualToThreshold", 1, 60),
    "rds-connection-failures": ("critical", "GreaterThanOrEqualToThreshold", 5, 120),
}


@pytest.mark.parametrize("alarm_id", sorted(DESIGN_NOTES_THRESHOLDS))
def test_shipped_alarm_has_the_design_notes_threshold(catalog: AlarmCatalog, alarm_id: str) -> None:
    alarm: Any = catalog.alarms[alarm_id].alarm
    severity, operator, threshold, window = DESIGN_NOTES_THRESHOLDS[alarm_id]
    assert (alarm.severity, alarm.comparison_operator, alarm.threshold) == (severity, operator, threshold)
    assert alarm.period * alarm.evaluation_periods == window


def test_shipped_catalog_covers_every_alarm_kind_and_source(catalog: AlarmCatalog) -> None:
    kinds = {entry.alarm.kind for entry in catalog.alarms.values()}
    assert kinds == {"metric", "math", "anomaly", "composite"}
    assert catalog.alarms["cache-hit-rate-degraded"].alarm.kind == "anomaly"
    assert {e.source for e in catalog.alarms.values()} >= {
        f"alerts/cloudwatch/{name}.yaml"
        for name in (
            "api",
            "database",
            "compute",
            "cache",
            "load-balancer",
            "certificates",
            "logs",
            "composite",
        )
    }


def test_every_metric_filter_feeds_an_alarm(catalog: AlarmCatalog) -> None:
    read = set()
    for entry in catalog.alarms.values():
        alarm: Any = entry.alarm
        read.add(getattr(alarm, "log_metric", None))
        read.update(m.log_metric for m in getattr(alarm, "metrics", {}).values())
    metric_names_read = {catalog.metric_filters[f].metric_filter.metric_name for f in read if f}
    for filter_id, filter_entry in catalog.metric_filters.items():
        assert filter_entry.metric_filter.metric_name in metric_names_read, filter_id
    assert {e.metric_filter.log_group for e in catalog.metric_filters.values()} == set(LOG_GROUPS)


def test_service_degraded_pages_while_its_children_only_notify(catalog: AlarmCatalog) -> None:
    alarms = render(catalog, PROD, "prod")
    composite = alarms["api-service-degraded"]
    assert isinstance(composite, RenderedCompositeAlarm)
    assert composite.children == ("api-5xx-rate", "api-latency-p95")
    assert composite.route == "critical"
    assert [alarms[child].route for child in composite.children] == ["warning", "warning"]
    assert alarms["api-5xx-rate"].severity == "critical"


def _assert_pulumi_accepts(alarm: RenderedMetricAlarm) -> None:
    args = alarm.metric_alarm_args()
    cw.MetricAlarmArgs(**args)  # a misspelt argument name raises TypeError
    for query in args.get("metric_queries", []):
        cw.MetricAlarmMetricQueryArgs(**{k: v for k, v in query.items() if k != "metric"})
        if "metric" in query:
            cw.MetricAlarmMetricQueryMetricArgs(**query["metric"])


def test_prod_renders_every_alarm_with_pulumi_argument_names(catalog: AlarmCatalog) -> None:
    alarms = render(catalog, PROD, "prod")
    assert "acm-expiry-7d-api" in alarms and "acm-expiry-30d-dashboard" in alarms
    assert len(alarms) == len(catalog.alarms) + 2  # two certificates expand two entries each
    names = {alarm_id: alarm_name("prod", alarm_id) for alarm_id in alarms}
    for alarm in alarms.values():
        assert alarm.runbook_url in alarm.alarm_description
        if isinstance(alarm, RenderedCompositeAlarm):
            args = alarm.composite_alarm_args(names)
            cw.CompositeAlarmArgs(alarm_name=names[alarm.id], **args)
            assert args["alarm_rule"] == 'ALARM("prod-api-5xx-rate") AND ALARM("prod-api-latency-p95")'
        else:
            _assert_pulumi_accepts(alarm)


def test_prod_values_reach_the_alarm_arguments(catalog: AlarmCatalog) -> None:
    alarms = render(catalog, PROD, "prod")
    rate = alarms["api-5xx-rate"].metric_alarm_args()
    assert rate["threshold"] == 3  # the stack's override of the catalog's 5
    queries = {q["id"]: q for q in rate["metric_queries"]}
    assert queries["requests"]["metric"]["dimensions"] == {
        "LoadBalancer": "app/metrics-prod/50dc6c495c0c9188"
    }
    assert queries["result"]["return_data"] and not queries["requests"]["return_data"]
    assert queries["requests"]["metric"]["period"] == 60

    latency = alarms["api-latency-p95"].metric_alarm_args()
    assert latency["extended_statistic"] == "p95" and "statistic" not in latency

    anomaly = alarms["api-traffic-anomaly"].metric_alarm_args()
    assert anomaly["threshold_metric_id"] == "band" and "threshold" not in anomaly
    band = next(q for q in anomaly["metric_queries"] if q["id"] == "band")
    assert band["expression"] == "ANOMALY_DETECTION_BAND(metric, 3)"

    connections = alarms["rds-connections-high"].metric_alarm_args()
    assert connections["metric_queries"][-1]["expression"] == "100 * connections / 400"

    memory = alarms["node-memory-critical"].metric_alarm_args()
    query = memory["metric_queries"][0]
    assert (
        query["expression"] == 'SELECT MAX(mem_used_percent) FROM "ExternalMetrics/Production" GROUP BY host'
    )
    assert query["period"] == 60  # a Metrics Insights query carries its own period

    errors = alarms["app-error-count"].metric_alarm_args()
    assert (errors["namespace"], errors["metric_name"]) == (
        "ExternalMetrics/Production/Logs",
        "ApplicationErrors",
    )
    assert alarms["node-disk-warning"].metric_alarm_args()["evaluation_periods"] == 2


def test_staging_overrides_disable_retune_and_reclassify(catalog: AlarmCatalog) -> None:
    alarms = render(catalog, STAGING, "staging")
    assert "api-traffic-anomaly" not in alarms and "cache-hit-rate-degraded" not in alarms
    assert not any(alarm_id.startswith("acm-expiry") for alarm_id in alarms)  # no certificates in staging
    latency = alarms["api-latency-p95"].metric_alarm_args()
    assert (latency["threshold"], latency["period"], latency["evaluation_periods"]) == (1.0, 300, 3)
    assert latency["datapoints_to_alarm"] == 2
    assert alarms["security-critical-event"].severity == "warning"
    assert alarms["security-critical-event"].route == "warning"
    assert "Severity: warning" in alarms["security-critical-event"].alarm_description


def test_metric_filters_render_on_the_stack_log_groups(catalog: AlarmCatalog) -> None:
    filters = render_metric_filters(
        catalog,
        log_group_prefix="/aws/eks/metrics-prod",
        resources=PROD.resources.references(),
        source_stack_file="Pulumi.prod.yaml",
        log_groups=LOG_GROUPS,
    )
    by_id = {f.id: f for f in filters}
    audit = by_id["security-critical-events"].log_metric_filter_args()
    assert audit["log_group_name"] == "/aws/eks/metrics-prod/security-audit"
    assert audit["metric_transformation"]["namespace"] == "ExternalMetrics/Production/Logs"
    nginx = by_id["nginx-5xx"].pattern
    assert nginx.startswith("[ip, ") and "status_code = 5*" in nginx
    for rendered in filters:
        args = rendered.log_metric_filter_args()
        cw.LogMetricFilterArgs(name=f"prod-{rendered.id}", **args)
        cw.LogMetricFilterMetricTransformationArgs(**args["metric_transformation"])


def test_a_filter_on_a_log_group_the_stack_lacks_names_both_files(catalog: AlarmCatalog) -> None:
    with pytest.raises(DefinitionError) as error:
        render_metric_filters(
            catalog,
            log_group_prefix="/aws/eks/metrics-prod",
            resources=PROD.resources.references(),
            source_stack_file="Pulumi.prod.yaml",
            log_groups=("application",),
        )
    assert any(
        p.startswith("alerts/cloudwatch/log-metrics.yaml: security-critical-events.log_group:")
        and "Pulumi.prod.yaml" in p
        for p in problems_of(error)
    )


# --- Invalid catalog entries: each names the file and the alarm id -----------------------------------

VALID_METRIC: dict[str, Any] = {
    "id": "probe",
    "kind": "metric",
    "severity": "warning",
    "description": "A probe.",
    "runbook_url": "https://runbooks.example.com/probe",
    "namespace": "AWS/ApplicationELB",
    "metric_name": "RequestCount",
    "statistic": "Sum",
    "period": 60,
    "evaluation_periods": 3,
    "threshold": 1,
    "comparison_operator": "GreaterThanThreshold",
}
VALID_MATH: dict[str, Any] = {
    **{k: v for k, v in VALID_METRIC.items() if k not in ("namespace", "metric_name", "statistic")},
    "kind": "math",
    "metrics": {
        "requests": {"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount", "stat": "Sum"}
    },
    "expression": "requests / 60",
}
COMPOSITE: dict[str, Any] = {
    "id": "both",
    "kind": "composite",
    "severity": "critical",
    "description": "Both.",
    "runbook_url": "https://runbooks.example.com/both",
    "rule": "ALARM(probe) AND ALARM(missing-child)",
}


@pytest.fixture
def load_alarms(tmp_path: Path) -> Callable[..., AlarmCatalog]:
    def load(*entries: dict[str, Any], filters: list[dict[str, Any]] | None = None) -> AlarmCatalog:
        directory = tmp_path / "alerts" / "cloudwatch"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "bad.yaml").write_text(yaml.safe_dump({"alarms": list(entries)}))
        (directory / "log-metrics.yaml").write_text(
            yaml.safe_dump({"namespace": "Probe/Logs", "filters": filters or []})
        )
        return load_catalog(tmp_path)

    return load


INVALID_CASES = {
    "comparison operator": (
        {**VALID_METRIC, "comparison_operator": "GreaterThan"},
        "probe.comparison_operator: 'GreaterThan' is not a CloudWatch comparison operator",
    ),
    "statistic": (
        {**VALID_METRIC, "statistic": "Mean"},
        "probe.statistic: 'Mean' is not a CloudWatch statistic",
    ),
    "extended statistic": (
        {**{k: v for k, v in VALID_METRIC.items() if k != "statistic"}, "extended_statistic": "P95"},
        "probe.extended_statistic: extended statistic 'P95' does not have a form CloudWatch documents",
    ),
    "percentile above 100": (
        {**{k: v for k, v in VALID_METRIC.items() if k != "statistic"}, "extended_statistic": "p101"},
        "probe.extended_statistic: extended statistic 'p101' is a percentile above 100",
    ),
    "unit": ({**VALID_METRIC, "unit": "Percentage"}, "probe.unit: 'Percentage' is not a CloudWatch unit"),
    "treat missing data": (
        {**VALID_METRIC, "treat_missing_data": "notbreaching"},
        "probe.treat_missing_data: 'notbreaching' is not a treat-missing-data value",
    ),
    "period 45": ({**VALID_METRIC, "period": 45}, "probe.period: period 45 is not one CloudWatch accepts"),
    "datapoints above evaluation periods": (
        {**VALID_METRIC, "datapoints_to_alarm": 5},
        "probe: datapoints_to_alarm (5) is greater than evaluation_periods (3)",
    ),
    "evaluation window": (
        {**VALID_METRIC, "period": 600, "evaluation_periods": 200},
        "probe: period 600s x evaluation_periods 200 exceeds CloudWatch's 1-day evaluation window",
    ),
    "missing threshold": (
        {k: v for k, v in VALID_METRIC.items() if k != "threshold"},
        "probe.threshold: is required",
    ),
    "both statistics": (
        {**VALID_METRIC, "extended_statistic": "p95"},
        "probe: set exactly one of statistic or extended_statistic",
    ),
    "band operator on a static threshold": (
        {**VALID_METRIC, "comparison_operator": "GreaterThanUpperThreshold"},
        "probe.comparison_operator: GreaterThanUpperThreshold compares against an anomaly band; "
        "a static threshold uses one of",
    ),
    "math unknown id": (
        {**VALID_MATH, "expression": "100 * errors / requests"},
        "probe.expression: refers to metric id 'errors', which is not among its metrics (requests)",
    ),
    "math metric without a source": (
        {**VALID_MATH, "metrics": {"requests": {"metric_name": "RequestCount", "stat": "Sum"}}},
        "probe.metrics.requests: set namespace and metric_name, or log_metric",
    ),
    "unknown reference form": (
        {**VALID_METRIC, "dimensions": {"LoadBalancer": "${resource.loadBalancer}"}},
        "probe.dimensions.LoadBalancer: ${resource.loadBalancer} is not a reference the catalog understands",
    ),
    "each outside for_each": (
        {**VALID_METRIC, "dimensions": {"CertificateArn": "${each.value}"}},
        "probe.dimensions.CertificateArn: ${each.value} is only meaningful in an entry with for_each",
    ),
    "unknown log metric": (
        {
            **{k: v for k, v in VALID_METRIC.items() if k not in ("namespace", "metric_name")},
            "log_metric": "nope",
        },
        "probe.log_metric: refers to metric filter 'nope', which alerts/cloudwatch/log-metrics.yaml does not define",
    ),
    "unknown key": ({**VALID_METRIC, "thresold": 2}, "probe.thresold: is not a known key"),
    "unknown kind": ({**VALID_METRIC, "kind": "metrics"}, "probe: kind must be one of metric, math, anomaly"),
    "anomaly with a static operator": (
        {
            **{k: v for k, v in VALID_METRIC.items() if k not in ("statistic", "threshold")},
            "kind": "anomaly",
            "stat": "Sum",
        },
        "probe.comparison_operator: GreaterThanThreshold compares against a static threshold; "
        "an anomaly alarm compares against its band",
    ),
    "metrics insights query with metrics": (
        {**VALID_MATH, "expression": 'SELECT MAX(RequestCount) FROM "AWS/ApplicationELB"'},
        "probe: a Metrics Insights query reads its own metrics: leave out metrics",
    ),
    "reserved metric id": (
        {**VALID_MATH, "metrics": {"result": VALID_MATH["metrics"]["requests"]}, "expression": "result"},
        "probe: metric id 'result' is reserved for the expression",
    ),
    "log metric and namespace": (
        {**VALID_METRIC, "log_metric": "errors"},
        "probe: log_metric names the metric: leave out namespace, metric_name, dimensions",
    ),
    "runbook is not a URL": (
        {**VALID_METRIC, "runbook_url": "see wiki"},
        "probe.runbook_url: 'see wiki' is not",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_CASES))
def test_invalid_entry_is_reported_with_file_and_alarm_id(
    load_alarms: Callable[..., AlarmCatalog], case: str
) -> None:
    entry, expected = INVALID_CASES[case]
    with pytest.raises(DefinitionError) as error:
        load_alarms(entry)
    assert any(p.startswith(f"alerts/cloudwatch/bad.yaml: {expected}") for p in problems_of(error)), (
        problems_of(error)
    )


def test_band_operators_are_rejected_for_static_alarms_by_their_allowed_list() -> None:
    # The JSON-Schema enum and the check agree: a static alarm offers only static operators.
    assert "GreaterThanUpperThreshold" in aws_models.anomaly_band_operators()
    assert "GreaterThanUpperThreshold" not in aws_models.static_threshold_operators()
    assert set(aws_models.static_threshold_operators()) | set(aws_models.anomaly_band_operators()) == set(
        aws_models.allowed_comparison_operators()
    )


def test_composite_unknown_child_is_reported(load_alarms: Callable[..., AlarmCatalog]) -> None:
    with pytest.raises(DefinitionError) as error:
        load_alarms(VALID_METRIC, COMPOSITE)
    assert problems_of(error) == [
        "alerts/cloudwatch/bad.yaml: both.rule: refers to alarm 'missing-child', which no catalog file defines"
    ]


def test_composite_rule_syntax_and_cycles_are_reported(load_alarms: Callable[..., AlarmCatalog]) -> None:
    unbalanced = {**COMPOSITE, "rule": "(ALARM(probe) OR ALARM(probe)"}
    with pytest.raises(DefinitionError) as error:
        load_alarms(VALID_METRIC, unbalanced)
    assert problems_of(error) == ["alerts/cloudwatch/bad.yaml: both.rule: has an unclosed parenthesis"]

    one = {**COMPOSITE, "id": "one", "rule": "ALARM(two) OR ALARM(probe)"}
    two = {**COMPOSITE, "id": "two", "rule": "ALARM(one)"}
    with pytest.raises(DefinitionError) as error:
        load_alarms(VALID_METRIC, one, two)
    assert problems_of(error) == [
        "alerts/cloudwatch/bad.yaml: one.rule: composite rules form a cycle: one -> two -> one"
    ]


def test_composite_children_must_exist_once(load_alarms: Callable[..., AlarmCatalog]) -> None:
    per_certificate = {**VALID_METRIC, "id": "expiry", "for_each": "certificates"}
    composite = {**COMPOSITE, "rule": "ALARM(expiry) OR ALARM(both)"}
    with pytest.raises(DefinitionError) as error:
        load_alarms(per_certificate, composite)
    assert problems_of(error) == [
        "alerts/cloudwatch/bad.yaml: both.rule: refers to 'expiry', which expands to one alarm per certificates "
        "entry; a composite rule needs alarms that exist once",
        "alerts/cloudwatch/bad.yaml: both.rule: refers to itself",
    ]


def test_a_malformed_file_is_reported_as_a_whole(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "cloudwatch"
    directory.mkdir(parents=True)
    (directory / "list.yaml").write_text("alarms: {probe: {}}\nextra: 1\n")
    (directory / "empty.yaml").write_text("# nothing yet\n")
    with pytest.raises(DefinitionError) as error:
        load_catalog(tmp_path)
    assert problems_of(error) == [
        "alerts/cloudwatch/empty.yaml: must be one YAML mapping with a top-level 'alarms' key",
        "alerts/cloudwatch/list.yaml: extra: is not a key of an alarm file (only 'alarms')",
        "alerts/cloudwatch/list.yaml: alarms: must be a list of alarm entries",
    ]


def test_duplicate_ids_and_all_problems_are_reported_together(
    load_alarms: Callable[..., AlarmCatalog],
) -> None:
    with pytest.raises(DefinitionError) as error:
        load_alarms(VALID_METRIC, VALID_METRIC, {**VALID_METRIC, "id": "other", "period": 45})
    assert problems_of(error) == [
        "alerts/cloudwatch/bad.yaml: probe: id is already used in alerts/cloudwatch/bad.yaml",
        "alerts/cloudwatch/bad.yaml: other.period: period 45 is not one CloudWatch accepts: "
        "use 10, 30, 60 or a multiple of 60",
    ]


def test_duplicate_yaml_keys_are_rejected(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "cloudwatch"
    directory.mkdir(parents=True)
    (directory / "dup.yaml").write_text("alarms: []\nalarms: []\n")
    with pytest.raises(DefinitionError, match=r"alerts/cloudwatch/dup.yaml: line 2.*defined twice"):
        load_catalog(tmp_path)


def test_log_retention_values_come_from_the_cloudformation_schema() -> None:
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Logs::LogGroup").schema
    assert allowed_log_retention_days() == tuple(schema["properties"]["RetentionInDays"]["enum"])
    assert check_log_retention_days(7) == 7
    with pytest.raises(
        ValueError, match=r"retention 8 days is not one CloudWatch Logs accepts \(allowed: 1, 3, 5, 7"
    ):
        check_log_retention_days(8)


def test_extended_statistic_forms_are_read_from_botocore() -> None:
    forms = aws_models.extended_statistic_forms()
    assert "p" in forms.percentile_prefixes and "IQM" in forms.literals and "TM" in forms.percent_ranges
    for valid in ("p95", "p99.9", "tm90", "IQM", "TM(10%:90%)", "PR(100:2000)", "TC(:80%)"):
        assert aws_models.check_extended_statistic(valid) == valid
    for invalid in ("P95", "p101", "TM(5%:90%)", "PR(9:1)", "p95 "):
        with pytest.raises(ValueError):
            aws_models.check_extended_statistic(invalid)


def test_rendered_values_are_checked_against_the_cloudformation_schema(
    load_alarms: Callable[..., AlarmCatalog],
) -> None:
    catalog = load_alarms({**VALID_METRIC, "description": "x" * 1100})
    with pytest.raises(DefinitionError) as error:
        render_alarms(catalog, {}, {}, "Pulumi.prod.yaml")
    assert any(
        p.startswith("alerts/cloudwatch/bad.yaml: probe: AWS::CloudWatch::Alarm AlarmDescription:")
        for p in problems_of(error)
    )


# --- Stack overrides and resources ---------------------------------------------------------------------


def test_override_of_an_unknown_id_names_the_stack_file_and_key(catalog: AlarmCatalog) -> None:
    overrides = {"api-5xx-rte": AlarmOverride(threshold=2)}
    with pytest.raises(DefinitionError) as error:
        render_alarms(catalog, overrides, PROD.resources.references(), "Pulumi.prod.yaml")
    assert problems_of(error) == [
        "Pulumi.prod.yaml: observability:cloudwatch.alarms.api-5xx-rte: is not an alarm id of the catalog "
        "(alerts/cloudwatch/); did you mean 'api-5xx-rate'?"
    ]


def test_overrides_that_break_an_alarm_are_reported_against_the_stack(catalog: AlarmCatalog) -> None:
    overrides = {
        "api-5xx-rate": AlarmOverride(evaluation_periods=2),  # the catalog needs 3 datapoints
        "api-traffic-anomaly": AlarmOverride(threshold=10),
        "api-service-degraded": AlarmOverride(period=60),
        "api-latency-p95": AlarmOverride(enabled=False),
    }
    with pytest.raises(DefinitionError) as error:
        render_alarms(catalog, overrides, PROD.resources.references(), "Pulumi.prod.yaml")
    assert problems_of(error) == [
        "Pulumi.prod.yaml: observability:cloudwatch.alarms.api-5xx-rate: datapoints_to_alarm (3) is greater than "
        "evaluation_periods (2): an alarm cannot need more breaching datapoints than it evaluates "
        "(catalog values from alerts/cloudwatch/api.yaml)",
        "Pulumi.prod.yaml: observability:cloudwatch.alarms.api-traffic-anomaly.threshold: api-traffic-anomaly is "
        "an anomaly-detection alarm (alerts/cloudwatch/api.yaml): it has a band, not a threshold",
        "Pulumi.prod.yaml: observability:cloudwatch.alarms.api-latency-p95.enabled: disables api-latency-p95, "
        "which composite api-service-degraded (alerts/cloudwatch/composite.yaml) refers to; "
        "disable api-service-degraded as well",
        "Pulumi.prod.yaml: observability:cloudwatch.alarms.api-service-degraded.period: api-service-degraded is "
        "a composite alarm (alerts/cloudwatch/composite.yaml): only enabled and severity apply",
    ]


def test_settings_reject_an_invalid_override_period() -> None:
    with pytest.raises(ValidationError, match="period 45 is not one CloudWatch accepts"):
        CloudWatchSettings.model_validate({"alarms": {"api-5xx-rate": {"period": 45}}})


def test_a_missing_resource_names_each_alarm_that_refers_to_it(catalog: AlarmCatalog) -> None:
    resources = {k: v for k, v in STAGING.resources.references().items() if k != "loadBalancer"}
    with pytest.raises(DefinitionError) as error:
        render_alarms(catalog, STAGING.alarms, resources, "Pulumi.staging.yaml")
    missing = (
        "refers to ${resources.loadBalancer}, which Pulumi.staging.yaml does not set under "
        "observability:cloudwatch.resources"
    )
    assert problems_of(error) == [
        f"alerts/cloudwatch/api.yaml: api-5xx-rate.metrics.{metric}.dimensions.LoadBalancer: {missing}"
        for metric in ("target_5xx", "elb_5xx", "requests")
    ] + [
        f"alerts/cloudwatch/api.yaml: api-latency-p95.dimensions.LoadBalancer: {missing}",
        f"alerts/cloudwatch/load-balancer.yaml: lb-unhealthy-hosts.dimensions.LoadBalancer: {missing}",
    ]  # api-traffic-anomaly refers to it too, but staging disables it

    without_load_balancer = {
        alarm_id: AlarmOverride(enabled=False)
        for alarm_id in ("api-5xx-rate", "api-latency-p95", "api-service-degraded", "lb-unhealthy-hosts")
    }
    render_alarms(catalog, {**STAGING.alarms, **without_load_balancer}, resources, "Pulumi.staging.yaml")


def test_settings_accept_arns_and_reject_the_wrong_resource() -> None:
    assert PROD.resources.references()["targetGroup"] == "targetgroup/metrics-api/73e2d6bc24d8a067"
    with pytest.raises(ValidationError, match="must be an application load balancer"):
        CloudWatchSettings.model_validate({"resources": {"loadBalancer": "net/nlb/0123"}})
    with pytest.raises(ValidationError, match=r"certificates\.api is not an ACM certificate ARN"):
        CloudWatchSettings.model_validate({"resources": {"certificates": {"api": "arn:aws:iam::1:role/x"}}})


# --- JSON Schema ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", sorted(SCHEMA_FILES))
def test_shipped_schema_is_the_generated_one(relative: str) -> None:
    shipped = json.loads((PROJECT_DIR / relative).read_text())
    assert shipped == generated_schema(SCHEMA_FILES[relative])


def test_schema_entry_point_reports_a_stale_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert schema_main([]) == 0
    monkeypatch.setattr("infra.catalog.cloudwatch.__main__._ROOT", tmp_path)
    assert schema_main([]) == 1
    assert "schemas/cloudwatch-alarms.schema.json is out of date" in capsys.readouterr().err
    assert schema_main(["--write-schema"]) == 0
    assert schema_main([]) == 0


def test_every_shipped_file_validates_against_its_schema_and_declares_it() -> None:
    for path in sorted((PROJECT_DIR / "alerts" / "cloudwatch").glob("*.yaml")):
        name = "cloudwatch-log-metrics" if path.name == "log-metrics.yaml" else "cloudwatch-alarms"
        first_line = path.read_text().splitlines()[0]
        assert first_line == f"# yaml-language-server: $schema=../../schemas/{name}.schema.json", path.name
        schema = json.loads((PROJECT_DIR / "schemas" / f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_carries_the_aws_enums_for_editors() -> None:
    schema = json.loads((PROJECT_DIR / "schemas" / "cloudwatch-alarms.schema.json").read_text())
    bad = {"alarms": [{**VALID_METRIC, "comparison_operator": "GreaterThan"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"alarms": [{**VALID_METRIC, "period": 45}]}, schema)
    jsonschema.validate({"alarms": [VALID_METRIC]}, schema)


# --- CloudFormation import -------------------------------------------------------------------------------


def _corpus_templates(shared_dir: Path) -> dict[str, dict[str, Any]]:
    documents = {
        p.name: json.loads(p.read_text())
        for p in sorted((shared_dir / "corpus" / "cloudwatch").glob("*.json"))
    }
    return {name: doc for name, doc in documents.items() if "Resources" in doc}


def test_corpus_cloudformation_alarms_import_as_valid_entries(shared_dir: Path) -> None:
    templates = _corpus_templates(shared_dir)
    assert len(templates) == 2  # the other corpus files are a dashboard body and an agent config
    imported = {name: import_cfn_alarms(t, source=name) for name, t in templates.items()}
    assert imported["cfn-templates__CloudWatch_Dashboard_NAT_FlowLogs.json"] == []
    entries = imported["cfn-templates__AutoScalingMultiAZWithNotifications.json"]
    assert [e["id"] for e in entries] == ["cpu-alarm-high", "cpu-alarm-low"]
    high = TypeAdapter[Any](Alarm).validate_python(entries[0])
    assert (high.threshold, high.comparison_operator, high.period, high.evaluation_periods) == (
        90,
        "GreaterThanThreshold",
        300,
        2,
    )
    assert high.dimensions == {"AutoScalingGroupName": "${resources.webServerGroup}"}
    TypeAdapter[Any](Alarm).validate_python(entries[1])


def test_math_and_anomaly_alarms_import_and_intrinsics_are_reported() -> None:
    def metric(metric_id: str, return_data: bool) -> dict[str, Any]:
        stat = {
            "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount"},
            "Period": 60,
            "Stat": "Sum",
        }
        return {"Id": metric_id, "MetricStat": stat, "ReturnData": return_data}

    template: dict[str, Any] = {
        "Resources": {
            "ErrorRate": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "EvaluationPeriods": 3,
                    "Threshold": 5,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Metrics": [
                        metric("errors", False),
                        metric("requests", False),
                        {"Id": "rate", "Expression": "100 * errors / requests", "ReturnData": True},
                    ],
                },
            },
            "TrafficBand": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "EvaluationPeriods": 3,
                    "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
                    "ThresholdMetricId": "ad1",
                    "Metrics": [
                        metric("m1", True),
                        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
                    ],
                },
            },
        }
    }
    rate, band = (TypeAdapter[Any](Alarm).validate_python(e) for e in import_cfn_alarms(template))
    assert (rate.kind, rate.period, sorted(rate.metrics)) == ("math", 60, ["errors", "requests"])
    assert (band.kind, band.band_width, band.stat) == ("anomaly", 2.0, "Sum")

    template["Resources"]["ErrorRate"]["Properties"]["Threshold"] = {"Ref": "Threshold"}
    with pytest.raises(
        DefinitionError, match=r"template: Resources.ErrorRate: Threshold: .* must be a literal"
    ):
        import_cfn_alarms(template)


# --- CloudWatch agent configuration -----------------------------------------------------------------------

DESIGN_NOTES_AGENT_METRICS = {
    # The metrics section of the design notes' cwagentconfig.json (facts, not a shipped file).
    "metrics": {
        "namespace": "ExternalMetrics/Production",
        "metrics_collected": {
            "cpu": {
                "measurement": ["cpu_usage_idle", "cpu_usage_iowait", "cpu_usage_user", "cpu_usage_system"]
            },
            "disk": {"measurement": ["used_percent"]},
            "mem": {"measurement": ["mem_used_percent"]},
        },
    }
}


def test_agent_metric_names_follow_the_agents_naming(shared_dir: Path) -> None:
    corpus = json.loads(
        (shared_dir / "corpus" / "cloudwatch" / "cw-agent__complete_linux_config.json").read_text()
    )
    names = agent_metric_names(corpus)
    assert {"CPU_USAGE_IDLE", "cpu_usage_nice", "mem_used", "disk_used", "DISK_FREE"} <= names
    assert "disk_free" not in names  # renamed


def test_compute_alarms_read_metrics_the_agent_publishes(catalog: AlarmCatalog) -> None:
    published = agent_metric_names(DESIGN_NOTES_AGENT_METRICS)
    read = set()
    for entry in catalog.alarms.values():
        if entry.source == "alerts/cloudwatch/compute.yaml":
            expression = getattr(entry.alarm, "expression", "")
            read.update(re.findall(r"SELECT \w+\((\w+)\)", expression))
    assert read == {"cpu_usage_idle", "mem_used_percent", "disk_used_percent"}
    assert read <= published
