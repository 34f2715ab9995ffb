"""CloudWatch as planned: every alarm reaches a human, through an encrypted topic CloudWatch can use."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from obsctl.cli import main as obsctl_main
from obsctl.plan import Plan
from tests.conftest import PROJECT_DIR, copy_definitions

ALARM_TYPES = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
TOPIC = "aws:sns/topic:Topic"
TOKEN = re.compile(r"^\$\{(?P<name>[^.}]+)\.arn\}$")


def _alarms(plan: Plan) -> list:
    return [r for r in plan.resources if r.type in ALARM_TYPES]


def _alarm_name(resource) -> str:  # type: ignore[no-untyped-def]
    return resource.inputs.get("name") or resource.inputs["alarmName"]


def test_every_alarm_notifies_a_topic_declared_in_the_same_stack(stack_plan: Plan) -> None:
    topics = {t.name: t for t in stack_plan.by_type(TOPIC)}
    alarms = _alarms(stack_plan)
    assert len(alarms) >= 15
    for alarm in alarms:
        for key in ("alarmActions", "okActions"):
            actions = alarm.inputs.get(key) or []
            assert actions, f"{_alarm_name(alarm)} has no {key}"
            for action in actions:
                match = TOKEN.match(action)
                assert match and match["name"] in topics, (
                    f"{_alarm_name(alarm)}: {action} is not a topic of this stack"
                )
            assert alarm.property_dependencies[key] == sorted({TOKEN.match(a)["name"] for a in actions})  # type: ignore[index]


def test_every_topic_an_alarm_notifies_is_encrypted_with_a_key_granting_cloudwatch(stack_plan: Plan) -> None:
    keys = {k.name: json.loads(k.inputs["policy"]) for k in stack_plan.by_type("aws:kms/key:Key")}
    notified = {TOKEN.match(a)["name"] for alarm in _alarms(stack_plan) for a in alarm.inputs["alarmActions"]}  # type: ignore[index]
    for topic in stack_plan.by_type(TOPIC):
        if topic.name not in notified:
            continue
        (key_name,) = topic.property_dependencies["kmsMasterKeyId"]
        grants = [
            s
            for s in keys[key_name]["Statement"]
            if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"
            and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(s["Action"])
        ]
        assert grants, f"{topic.name}: key {key_name} does not let CloudWatch publish to an encrypted topic"


def test_prod_pages_on_the_composite_while_its_children_only_notify(prod_plan: Plan) -> None:
    by_name = {_alarm_name(a): a for a in _alarms(prod_plan)}
    assert by_name["prod-api-service-degraded"].inputs["alarmActions"] == ["${alarm-routing-critical.arn}"]
    assert by_name["prod-api-service-degraded"].inputs["alarmRule"] == (
        'ALARM("prod-api-5xx-rate") AND ALARM("prod-api-latency-p95")'
    )
    for child in ("prod-api-5xx-rate", "prod-api-latency-p95"):
        assert by_name[child].inputs["alarmActions"] == ["${alarm-routing-warning.arn}"]


def test_staging_routes_critical_alarms_to_the_warning_topic(staging_plan: Plan) -> None:
    critical = [a for a in _alarms(staging_plan) if a.inputs["tags"]["severity"] == "critical"]
    assert critical
    for alarm in critical:
        assert alarm.inputs["alarmActions"] == ["${alarm-routing-warning.arn}"], _alarm_name(alarm)


def test_stack_overrides_reach_the_planned_alarms(staging_plan: Plan, prod_plan: Plan) -> None:
    def latency(plan: Plan) -> float:
        (alarm,) = [a for a in _alarms(plan) if _alarm_name(a).endswith("-api-latency-p95")]
        return float(alarm.inputs["threshold"])

    assert latency(prod_plan) == 0.5
    assert latency(staging_plan) == 1.0
    assert not [a for a in _alarms(staging_plan) if _alarm_name(a).endswith("api-traffic-anomaly")]


def test_the_design_notes_thresholds_are_planned_in_prod(prod_plan: Plan) -> None:
    by_id = {a.inputs["tags"]["alarm-id"]: a.inputs for a in _alarms(prod_plan)}
    assert by_id["api-5xx-rate"]["threshold"] == 5
    assert by_id["api-latency-p95"]["extendedStatistic"] == "p95"
    assert by_id["node-memory-critical"]["threshold"] == 90
    assert by_id["node-disk-critical"]["threshold"] == 95
    assert by_id["lb-unhealthy-hosts"]["comparisonOperator"] == "GreaterThanThreshold"


def test_log_metric_filters_feed_alarms(prod_plan: Plan) -> None:
    filters = {
        f.inputs["metricTransformation"]["name"]: f
        for f in prod_plan.by_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    }
    assert filters["ApplicationErrors"].inputs["logGroupName"] == "/aws/eks/metrics-prod/application"
    assert "CRITICAL" in json.dumps([f.inputs["pattern"] for f in filters.values()])
    alarmed = {a.inputs.get("metricName") for a in _alarms(prod_plan)}
    assert {"ApplicationErrors", "SecurityCriticalEvents"} <= alarmed | set(filters)


def test_forwarding_keeps_what_fails_delivery_in_a_protected_encrypted_bucket(prod_plan: Plan) -> None:
    (stream,) = prod_plan.by_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
    http = stream.inputs["httpEndpointConfiguration"]
    assert http["s3BackupMode"] == "FailedDataOnly"
    assert http["retryDuration"] == 7200
    (bucket,) = [b for b in prod_plan.by_type("aws:s3/bucket:Bucket") if "forwarding" in b.name]
    assert bucket.protect and bucket.retain_on_delete
    (lifecycle,) = [
        r
        for r in prod_plan.by_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        if "forwarding" in r.name
    ]
    assert lifecycle.inputs["rules"][0]["expiration"]["days"] == 30
    filters = prod_plan.by_type("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
    assert {f.inputs["logGroup"].rsplit("/", 1)[-1] for f in filters} == {
        "application",
        "exceptions",
        "rejections",
        "security-audit",
    }


INVALID = [
    (
        "api.yaml",
        "comparison_operator: GreaterThanThreshold",
        "comparison_operator: GreaterThanish",
        "comparison_operator",
    ),
    ("load-balancer.yaml", "statistic: Maximum", "statistic: Biggest", "statistic"),
    ("api.yaml", "extended_statistic: p95", "extended_statistic: p101", "extended_statistic"),
    ("load-balancer.yaml", "treat_missing_data: missing", "treat_missing_data: maybe", "treat_missing_data"),
    ("load-balancer.yaml", "period: 60", "period: 45", "period"),
    ("load-balancer.yaml", "datapoints_to_alarm: 2", "datapoints_to_alarm: 3", "datapoints_to_alarm"),
    ("load-balancer.yaml", "    threshold: 0\n", "", "threshold"),
    ("composite.yaml", "ALARM(api-latency-p95)", "ALARM(api-latency-p99)", "rule"),
    ("api.yaml", "unit: Seconds", "unit: Secs", "unit"),
    ("api.yaml", "/ requests", "/ reqs", "expression"),
]


@pytest.mark.parametrize(("file", "old", "new", "key"), INVALID, ids=[case[3] for case in INVALID])
def test_values_aws_would_reject_fail_the_plan_naming_file_and_alarm(
    tmp_path: Path, file: str, old: str, new: str, key: str
) -> None:
    root = tmp_path / "definitions"
    copy_definitions(root)
    target = root / "alerts" / "cloudwatch" / file
    text = target.read_text()
    assert old in text, f"{file} no longer contains {old!r}: update the case"
    target.write_text(text.replace(old, new, 1))
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        code = obsctl_main(
            ["--project-dir", str(PROJECT_DIR), "plan", "staging", "--definitions", str(root), "--quiet"]
        )
    assert code == 1
    lines = [
        line
        for line in stderr.getvalue().splitlines()
        if line.startswith(f"error: alerts/cloudwatch/{file}: ")
    ]
    assert any(key in line for line in lines), stderr.getvalue()
