"""``obsctl import cloudformation``: a template's CloudWatch alarms and dashboards, planned per stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from obsctl.plan import Plan
from obsctl.runner import plan_stack
from tests.conftest import PROJECT_DIR, obsctl_in, project_copy, shared_files

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  QueueName: {Type: String, Default: orders}
  Threshold: {Type: Number, Default: "100"}
Resources:
  OrdersBacklogAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: !Sub "Backlog of ${QueueName} above ${Threshold} messages"
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Dimensions: [{Name: QueueName, Value: !Ref QueueName}]
      Statistic: Maximum
      Period: 300
      EvaluationPeriods: 3
      Threshold: !Ref Threshold
      ComparisonOperator: GreaterThanThreshold
  WorkerErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: Worker function errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !Ref WorkerFunction}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 5
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  OpsDashboard:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody: !Sub |
        {"widgets": [{"type": "metric", "properties": {"region": "${AWS::Region}", "title": "${QueueName}",
          "metrics": [["AWS/Lambda", "Errors", "FunctionName", "${WorkerFunction}"]]}}]}
  ErrorForwarder:
    Type: AWS::Logs::SubscriptionFilter
    Properties: {LogGroupName: app, FilterPattern: ERROR, DestinationArn: !Ref WorkerFunction}
"""
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


def _plan_with(project: Path, other: dict[str, str]) -> Plan:
    stack_file = project / "Pulumi.staging.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    resources = stack["config"]["observability:cloudwatch"]["resources"]
    resources["other"] = {**(resources.get("other") or {}), **other}  # the stack's own stay set
    stack_file.write_text(yaml.safe_dump(stack, sort_keys=False))
    return plan_stack(project, "staging")


def test_a_yaml_template_with_short_forms_and_defaults_imports_and_plans(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "queue-worker.yaml"
    source.write_text(TEMPLATE)
    status, output = _import(project, capsys, str(source))
    assert status == 0, output
    assert "not imported: " in output and "Resources.ErrorForwarder (AWS::Logs::SubscriptionFilter)" in output
    assert "  other:\n    workerFunction: <value>" in output
    plan = _plan_with(project, {"workerFunction": "orders-worker"})
    alarms = {
        a.inputs["alarmDescription"].split("\n")[0]: a.inputs
        for a in plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    backlog = alarms["Backlog of orders above 100 messages"]
    assert backlog["dimensions"] == {"QueueName": "orders"} and backlog["threshold"] == 100
    assert alarms["Worker function errors"]["dimensions"] == {"FunctionName": "orders-worker"}
    dashboards = [
        json.loads(d.inputs["dashboardBody"]) for d in plan.by_type("aws:cloudwatch/dashboard:Dashboard")
    ]
    widget = next(
        b["widgets"][0] for b in dashboards if b["widgets"][0]["properties"].get("title") == "orders"
    )
    assert plan.settings is not None and widget["properties"]["region"] == plan.settings.region
    assert widget["properties"]["metrics"][0][3] == "orders-worker"


def test_a_broken_template_names_its_line_and_writes_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text(
        TEMPLATE.replace("    Type: AWS::CloudWatch::Dashboard", "    Type: [AWS::CloudWatch::Dashboard")
    )
    status, output = _import(project, capsys, str(source))
    assert status == 1 and "is not a CloudFormation template: line" in output
    assert not (project / "alerts" / "cloudwatch" / "broken.yaml").exists()


def test_an_existing_file_needs_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "queue-worker.yaml"
    source.write_text(TEMPLATE)
    assert _import(project, capsys, str(source))[0] == 0
    status, output = _import(project, capsys, str(source))
    assert status == 1 and "exists: pass --force" in output
    assert _import(project, capsys, str(source), "--force")[0] == 0


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_published_templates_import_and_plan(
    project: Path, path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    # --force: a repository that already imported this template gets the same files again.
    status, output = _import(project, capsys, str(path), "--force")
    assert status == 0, output
    # The printed `other:` map, as a user copies it.
    printed = output.split("  other:\n", 1)[1].splitlines() if "  other:\n" in output else []
    keys = [
        line.split(":")[0].strip() for line in printed if line.startswith("    ") and line.endswith("<value>")
    ]
    plan = _plan_with(project, {key: f"imported-{key.lower()}" for key in keys})
    assert plan.resources


def test_other_resources_are_flattened_and_cannot_shadow_a_field() -> None:
    from pydantic import ValidationError

    from infra.settings.cloudwatch import CloudWatchResources

    resources = CloudWatchResources.model_validate({"rdsInstance": "db", "other": {"queueName": "orders"}})
    assert resources.references() == {"rdsInstance": "db", "queueName": "orders"}
    with pytest.raises(ValidationError, match="rdsInstance has a field of its own"):
        CloudWatchResources.model_validate({"other": {"rdsInstance": "db"}})
