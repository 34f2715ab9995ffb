"""``obsctl import cloudformation`` for composite alarms, metric filters and saved Logs queries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obsctl.plan import Plan
from obsctl.runner import plan_stack
from tests.conftest import PROJECT_DIR, obsctl_in, project_copy, shared_files

FIXTURE = PROJECT_DIR / "tests" / "fixtures" / "cloudformation" / "orders-service.yaml"
QUERY = "aws:cloudwatch/queryDefinition:QueryDefinition"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
CORPUS = [
    p
    for p in shared_files(PROJECT_DIR.parent / "shared" / "corpus" / "cloudwatch")
    if p.name.startswith("cfn-")
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


def _import(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    return obsctl_in(project, capsys, "import", "cloudformation", *args)


def _template(tmp_path: Path, resources: str, name: str = "shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n' + resources)
    return path


def _written(project: Path) -> list[str]:
    return sorted(
        p.relative_to(project).as_posix()
        for folder in ("alerts/cloudwatch", "cloudwatch-queries")
        for p in (project / folder).glob("shop*")
    )


def test_every_type_of_the_template_imports_and_plans(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output = _import(project, capsys, str(FIXTURE))
    assert status == 0, output
    assert "wrote alerts/cloudwatch/orders-service.yaml" in output
    assert "wrote alerts/cloudwatch/orders-service.log-metrics.yaml" in output
    assert "wrote alerts/cloudwatch/orders-service-2.log-metrics.yaml" in output  # a second namespace
    assert "wrote cloudwatch-queries/orders-service.yaml" in output
    assert "Resources.AppLogGroup (AWS::Logs::LogGroup): each stack creates its log groups" in output
    assert "Resources.WorkerColdStartsQuery.Properties.LogGroupNames[0]: /aws/lambda/orders-worker" in output

    alarms = yaml.safe_load((project / "alerts/cloudwatch/orders-service.yaml").read_text())["alarms"]
    rules = {a["id"]: a["rule"] for a in alarms if a["kind"] == "composite"}
    assert rules == {
        # !Sub with ${Alarm} (its name) and ${Alarm.Arn}: the imported ids.
        "orders-degraded": "ALARM(orders-errors-alarm) AND ALARM(orders-latency-alarm)",
        # A literal AlarmName of the template, !GetAtt in !Join, and an id the catalog already has.
        "orders-trouble": "ALARM(orders-errors-alarm) OR (ALARM(orders-degraded) AND NOT OK(api-5xx-rate))",
    }
    filters = yaml.safe_load((project / "alerts/cloudwatch/orders-service.log-metrics.yaml").read_text())
    assert filters["namespace"] == "Orders/Logs"
    latency = filters["filters"][1]
    assert latency["log_group"] == "application"  # /orders/staging/application, by !Ref
    assert latency["value"] == "$.latencyMs" and latency["dimensions"] == {"Route": "$.route"}

    plan = plan_stack(project, "staging")
    queries = {r.inputs["name"]: r.inputs for r in plan.by_type(QUERY)}
    recent = queries["staging/orders-service/Recent order errors"]
    assert recent["logGroupNames"] == ["/aws/eks/metrics-staging/application"]
    assert recent["queryString"].startswith("fields @timestamp, @message, orderId\n| filter")
    assert queries["staging/orders-service/Worker cold starts"]["logGroupNames"] == [
        "/aws/lambda/orders-worker"
    ]
    planned_filters = {r.inputs["name"]: r.inputs for r in plan.by_type(FILTER)}
    transformation = planned_filters["orders-latency-filter"]["metricTransformation"]
    assert transformation["dimensions"] == {"Route": "$.route"}
    assert planned_filters["admin-logins-filter"]["logGroupName"] == "/aws/eks/metrics-staging/security-audit"
    composite = {r.inputs["alarmName"]: r.inputs for r in plan.by_type(COMPOSITE)}
    assert composite["staging-orders-degraded"]["alarmRule"] == (
        'ALARM("staging-orders-errors-alarm") AND ALARM("staging-orders-latency-alarm")'
    )


def test_nothing_is_replaced_without_force(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _import(project, capsys, str(FIXTURE))[0] == 0
    status, output = _import(project, capsys, str(FIXTURE))
    assert status == 1 and "exists: pass --force" in output
    assert _import(project, capsys, str(FIXTURE), "--force")[0] == 0


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            '"ALARM(legacy-db-alarm) AND ALARM(${Errors})"',
            "refers to the alarm 'legacy-db-alarm', which neither",
        ),
        ("!Sub ALARM(${Topic})", "refers to Topic, which is not an alarm of this template"),
        ("!Sub ALARM(${Errors}) AND", "expects an alarm state"),
        ("!Sub AT_LEAST(2, ALARM, (${Errors}))", "uses AT_LEAST()"),
    ],
)
def test_a_composite_rule_the_catalog_cannot_resolve_names_the_rule(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str, message: str
) -> None:
    source = _template(
        tmp_path,
        f"""  Topic: {{Type: AWS::SNS::Topic}}
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties: {{Namespace: Shop, MetricName: Errors, Statistic: Sum, Period: 60, EvaluationPeriods: 1,
                 Threshold: 1, ComparisonOperator: GreaterThanThreshold}}
  HighErrors:
    Type: AWS::CloudWatch::CompositeAlarm
    Properties:
      AlarmRule: {rule}
""",
    )
    status, output = _import(project, capsys, str(source))
    assert status == 1
    assert f"{source}: Resources.HighErrors.Properties.AlarmRule: " in output and message in output
    assert "Traceback" not in output and _written(project) == []


@pytest.mark.parametrize(
    ("properties", "key", "message"),
    [
        (
            "FilterPattern: '{ $.level = \"ERROR\" ', MetricTransformations: [{@T@}]",
            "FilterPattern",
            "one { ... }",
        ),
        (
            "FilterPattern: '{ level = 1 }', MetricTransformations: [{@T@}]",
            "FilterPattern",
            "selectors start",
        ),
        (
            "FilterPattern: '[ip, , status]', MetricTransformations: [{@T@}]",
            "FilterPattern",
            "an empty field",
        ),
        ("FilterPattern: '\"unclosed', MetricTransformations: [{@T@}]", "FilterPattern", "unclosed double"),
        ("FilterPattern: ERROR, MetricTransformations: []", "MetricTransformations", "exactly one"),
        ("FilterPattern: ERROR", "MetricTransformations", "exactly one"),
        (
            "FilterPattern: ERROR, MetricTransformations: [{MetricNamespace: Shop, MetricValue: '1'}]",
            "MetricTransformations[0].MetricName",
            "is required",
        ),
        (
            "FilterPattern: ERROR, MetricTransformations: [{@T@, Unit: Apples}]",
            "MetricTransformations[0].Unit",
            "Apples",
        ),
    ],
)
def test_a_metric_filter_the_catalog_would_refuse_names_its_key(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], properties: str, key: str, message: str
) -> None:
    transformation = "MetricNamespace: Shop, MetricName: Errors, MetricValue: '1'"
    source = _template(
        tmp_path,
        "  ErrorCount:\n    Type: AWS::Logs::MetricFilter\n"
        f"    Properties: {{LogGroupName: application, {properties.replace('@T@', transformation)}}}\n",
    )
    status, output = _import(project, capsys, str(source))
    assert status == 1, output
    assert f"Resources.ErrorCount.Properties.{key}: " in output and message in output, output
    assert "Traceback" not in output and _written(project) == []


def test_a_log_group_the_stacks_do_not_create_is_written_with_what_to_decide(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _template(
        tmp_path,
        """  PaymentsLogs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /shop/payments}}
  PaymentFailures:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref PaymentsLogs
      FilterPattern: '"payment failed"'
      MetricTransformations: [{MetricNamespace: Shop, MetricName: PaymentFailures, MetricValue: "1"}]
""",
    )
    status, output = _import(project, capsys, str(source))
    assert status == 0, output
    assert "Resources.PaymentFailures.Properties.LogGroupName: /shop/payments is not a log group" in output
    assert "add 'payments' to observability:logs.groups" in output
    written = yaml.safe_load((project / "alerts/cloudwatch/shop.log-metrics.yaml").read_text())
    assert written["filters"][0]["log_group"] == "payments"


@pytest.mark.parametrize(
    ("properties", "key", "message"),
    [
        ('QueryString: ""', "QueryString", "must not be empty"),
        ("QueryString: '# only a comment'", "QueryString", "is empty"),
        ("QueryString: 'fields @message | fitler @message like /x/'", "QueryString", "'fitler'"),
        ("QueryString: 'fields a |  | limit 5'", "QueryString", "an empty command"),
        ("QueryString: 'SELECT * FROM logs', QueryLanguage: SQL", "QueryLanguage", "CWLI"),
    ],
)
def test_a_saved_query_the_catalog_would_refuse_names_its_key(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], properties: str, key: str, message: str
) -> None:
    groups = ", LogGroupNames: [/aws/eks/metrics-prod/application]"
    source = _template(
        tmp_path,
        f"  Errors:\n    Type: AWS::Logs::QueryDefinition\n    Properties: {{Name: Errors, {properties}{groups}}}\n",
    )
    status, output = _import(project, capsys, str(source))
    assert status == 1, output
    assert f"Resources.Errors.Properties.{key}: " in output and message in output, output
    assert "Traceback" not in output and _written(project) == []


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_published_templates_still_import_with_the_new_types(
    project: Path, path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    status, output = _import(project, capsys, str(path), "--force")  # already imported: same files
    assert status == 0, output
    assert "does not read this type yet" not in output


def test_every_stack_plans_the_shipped_saved_queries(stack_plan: Plan) -> None:
    environment = stack_plan.settings.environment if stack_plan.settings else stack_plan.stack
    shipped = yaml.safe_load(
        (PROJECT_DIR / "cloudwatch-queries" / "external-metrics-service.yaml").read_text()
    )
    planned = {r.inputs["name"]: r.inputs for r in stack_plan.by_type(QUERY)}
    assert set(planned) >= {f"{environment}/external-metrics-service/{q['name']}" for q in shipped["queries"]}
    for inputs in planned.values():
        assert "${" not in inputs["queryString"] and inputs["logGroupNames"]
        assert all(not g.startswith("${") for g in inputs["logGroupNames"])
