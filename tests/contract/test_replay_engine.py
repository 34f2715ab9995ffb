"""The replay engine: ordering, references, unmapped inputs and types, and the parts moto lacks."""

from __future__ import annotations

import dataclasses

import pytest
from moto import mock_aws

from obsctl.plan import Plan, PlannedResource, Secret, Unknown
from tests.contract.conftest import altered, resource, with_dependencies
from tests.contract.moto_replay import ReplayError, ReplayFailed, replay, replay_order, unreplayed_types
from tests.contract.moto_replay.alarms import metric_alarm_problems
from tests.contract.moto_replay.composite_rule import RuleSyntaxError, referenced_alarms
from tests.contract.moto_replay.context import ReplayState


def _refusals(resources: list[PlannedResource]) -> dict[str, str]:
    with mock_aws(), pytest.raises(ReplayFailed) as refused:
        replay(resources, region="us-east-1")
    return {r.resource: r.message for r in refused.value.rejections}


def _fabricated(name: str, type_token: str, inputs: dict[str, object]) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:fx::{name}",
        type=type_token,
        name=name,
        parent=None,
        parent_urn=None,
        custom=True,
        inputs=inputs,
    )


def test_a_reference_no_replayed_resource_provides_is_refused(fixture_plan: Plan) -> None:
    target = altered(resource(fixture_plan, "fx-alarm-static"), {"alarmActions": ["${ghost-topic.arn}"]})
    refusals = _refusals(with_dependencies(fixture_plan, target))
    assert refusals == {
        target.key: "input alarmActions[0] still holds ${ghost-topic.arn}: no replayed resource provides it"
    }


def test_a_value_known_only_after_apply_is_refused(fixture_plan: Plan) -> None:
    target = altered(resource(fixture_plan, "fx-alarm-static"), {"alarmDescription": Unknown()})
    refusals = _refusals(with_dependencies(fixture_plan, target))
    assert "input alarmDescription is only known after apply" in refusals[target.key]


def test_an_input_the_replayer_does_not_map_is_refused(fixture_plan: Plan) -> None:
    target = altered(resource(fixture_plan, "fx-stream-datadog"), {"httpEndpointConfiguration.newKnob": 3})
    refusals = _refusals(with_dependencies(fixture_plan, target))
    assert refusals[target.key].startswith("input(s) httpEndpointConfiguration.newKnob not replayed")


def test_a_nested_block_the_api_has_no_member_for_is_refused(fixture_plan: Plan) -> None:
    target = altered(resource(fixture_plan, "fx-bucket-lifecycle"), {"rules[0].expiration.weeks": 2})
    refusals = _refusals(with_dependencies(fixture_plan, target))
    assert (
        "input rules[0].expiration.weeks has no counterpart in the API's LifecycleExpiration"
        in refusals[target.key]
    )


def test_an_aws_type_without_replayer_is_listed_and_refused() -> None:
    detector = _fabricated(
        "anomalies", "aws:cloudwatch/logAnomalyDetector:LogAnomalyDetector", {"logGroupArnLists": ["arn:x"]}
    )
    dashboard = _fabricated("grafana-dashboard", "grafana:index/dashboard:Dashboard", {"configJson": "{}"})
    assert unreplayed_types([detector, dashboard]) == {detector.type: ["anomalies"]}
    assert _refusals([detector, dashboard]) == {
        detector.key: "no replayer for this AWS resource type (add one in tests/contract/moto_replay)"
    }


def test_what_depends_on_a_refused_resource_is_reported_too(fixture_plan: Plan) -> None:
    group = altered(resource(fixture_plan, "fx-log-group"), {"retentionInDays": 8})
    metric_filter = resource(fixture_plan, "fx-metric-filter")
    refusals = _refusals(with_dependencies(fixture_plan, group, metric_filter))
    assert refusals[metric_filter.key] == "not replayed: depends on refused fx-log-group"


def test_replaying_outside_moto_is_refused(fixture_plan: Plan) -> None:
    with pytest.raises(RuntimeError, match="must run inside moto's mock_aws"):
        replay(fixture_plan.resources, region="us-east-1")


def test_resources_are_sent_after_what_they_reference_whatever_the_plan_order(fixture_plan: Plan) -> None:
    resources = list(reversed(with_dependencies(fixture_plan, resource(fixture_plan, "fx-subscription"))))
    with mock_aws():
        sent = replay(resources, region="us-east-1").replayed
    position = {key.split("::")[1]: index for index, key in enumerate(sent)}
    assert position["fx-key"] < position["fx-log-group"] < position["fx-subscription"]
    assert position["fx-stream-datadog"] < position["fx-subscription"]


def test_a_dependency_on_a_component_waits_for_everything_under_it(fixture_plan: Plan) -> None:
    component = dataclasses.replace(_fabricated("keys", "fx:Keys", {}), custom=False)
    key = dataclasses.replace(resource(fixture_plan, "fx-key"), parent="keys", parent_urn=component.urn)
    topic = resource(fixture_plan, "fx-topic")
    standalone = _fabricated(
        "standalone-group", "aws:cloudwatch/logGroup:LogGroup", {"name": "/fx/standalone"}
    )
    waiting = dataclasses.replace(standalone, depends_on=["keys"])
    order, dependencies = replay_order([waiting, topic, component, key])
    assert dependencies["standalone-group"] == {"fx-key"}
    assert [r.name for r in order].index("fx-key") < [r.name for r in order].index("standalone-group")


def test_a_dependency_cycle_is_refused() -> None:
    first = _fabricated("first", "aws:sns/topic:Topic", {"kmsMasterKeyId": "${second.arn}"})
    second = _fabricated("second", "aws:kms/key:Key", {"description": "${first.arn}"})
    with pytest.raises(ReplayError, match="dependency cycle"):
        replay_order([first, second])


def test_ids_the_mocks_return_are_replaced_by_the_ids_moto_returns(fixture_plan: Plan) -> None:
    policy = resource(fixture_plan, "fx-bucket-policy")
    assert policy.inputs["bucket"] == "${fx-bucket.id}"  # the runner names values only an apply knows
    with mock_aws():
        report = replay(with_dependencies(fixture_plan, policy), region="us-east-1")
    assert report.outputs["fx-bucket-policy"]["bucket"] == "fx-log-backup-0123"


def test_botocore_parameter_validation_stays_on() -> None:
    client = ReplayState(region="us-east-1", account_id="123456789012").client("cloudwatch", "us-east-1")
    assert client.meta.config.parameter_validation is True


@pytest.mark.parametrize(
    ("rule", "alarms"),
    [
        ('ALARM("a") AND ALARM("b")', ["a", "b"]),
        ("ALARM(a) OR (OK(b) AND NOT INSUFFICIENT_DATA(c))", ["a", "b", "c"]),
        (
            'ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:api 5xx") AND TRUE',
            ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:api 5xx"],
        ),
        ("NOT FALSE", []),
    ],
)
def test_composite_rules_that_parse(rule: str, alarms: list[str]) -> None:
    assert referenced_alarms(rule) == alarms


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "the rule is empty"),
        ('ALARM("a") AND', "the rule ends too early"),
        ('(ALARM("a")', "the rule ends where ')' is expected"),
        ('alarm("a")', "'alarm' is not ALARM()"),
        ("ALARM()", "ALARM() needs an alarm name or ARN"),
        ('ALARM("a") ALARM("b")', "unexpected 'ALARM' after a complete expression"),
    ],
)
def test_composite_rules_that_do_not_parse(rule: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        referenced_alarms(rule)


def test_metric_alarm_combination_rules() -> None:
    base = {
        "AlarmName": "a",
        "EvaluationPeriods": 3,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 1.0,
    }
    single = {**base, "MetricName": "Errors", "Namespace": "App", "Period": 60}
    assert metric_alarm_problems({**single, "Statistic": "Sum"}) == []
    assert metric_alarm_problems({**single, "Statistic": "Sum", "ExtendedStatistic": "p99"}) == [
        "exactly one of statistic and extendedStatistic is required"
    ]
    assert metric_alarm_problems({**single, "Statistic": "Sum", "DatapointsToAlarm": 4}) == [
        "datapointsToAlarm 4 exceeds evaluationPeriods 3"
    ]
    query = {"Id": "e", "Expression": "SUM(METRICS())"}
    assert metric_alarm_problems({**base, "Metrics": [query], "Period": 60}) == [
        "metricQueries cannot be combined with Period"
    ]
    assert metric_alarm_problems({**base, "Metrics": [query], "ThresholdMetricId": "e"}) == [
        "exactly one of threshold and thresholdMetricId is required",
        "thresholdMetricId 'e' is not the id of an ANOMALY_DETECTION_BAND query",
        "an anomaly band alarm compares with one of LessThanLowerOrGreaterThanUpperThreshold, "
        "LessThanLowerThreshold, GreaterThanUpperThreshold",
        "exactly one metric query must return data, not none",
    ]


def test_refusals_never_quote_a_secret(fixture_plan: Plan) -> None:
    secret = "s3cr3t-not-a-phone-number"
    target = altered(resource(fixture_plan, "fx-webhook"), {"protocol": "sms", "endpoint": Secret(secret)})
    refusals = _refusals(with_dependencies(fixture_plan, target))
    assert "Invalid SMS endpoint: [secret]" in refusals[target.key]
    assert secret not in refusals[target.key]
