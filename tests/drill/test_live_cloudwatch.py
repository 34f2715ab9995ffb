"""`obsctl drill STACK --cloudwatch ALARM` against moto: the alarm goes to ALARM, then back to OK."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from infra.errors import DefinitionError
from obsctl.drill.live import drill_cloudwatch

REGION = "us-east-1"


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("cloudwatch", region_name=REGION)
        client.put_metric_alarm(
            AlarmName="staging-api-5xx-rate",
            MetricName="HTTPCode_Target_5XX_Count",
            Namespace="AWS/ApplicationELB",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        yield client


def test_the_alarm_is_set_to_alarm_then_back_to_ok_by_catalog_id(cloudwatch) -> None:  # type: ignore[no-untyped-def]
    said: list[str] = []
    states: list[str] = []

    def say(line: str) -> None:  # called right after each state change
        said.append(line)
        states.append(
            cloudwatch.describe_alarms(AlarmNames=["staging-api-5xx-rate"])["MetricAlarms"][0]["StateValue"]
        )

    drill_cloudwatch("api-5xx-rate", "staging", REGION, 0, say)
    assert states == ["ALARM", "OK"]
    assert said[0] == f"set staging-api-5xx-rate to ALARM in {REGION}; its alarm actions run now"


def test_an_unknown_alarm_is_an_error_naming_it(cloudwatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DefinitionError) as caught:
        drill_cloudwatch("no-such-alarm", "staging", REGION, 0, print)
    assert (
        str(caught.value)
        == f"--cloudwatch: no-such-alarm: no alarm no-such-alarm or staging-no-such-alarm in {REGION}"
    )
