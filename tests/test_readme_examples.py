"""The README's worked examples do what the README says."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import PROJECT_DIR, copy_definitions, run_obsctl

README = (PROJECT_DIR / "README.md").read_text()


def _worked_alarm_entry() -> str:
    section = README.split("### Worked example: adding an alarm", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def _definitions_copy(tmp_path: Path) -> Path:
    root = tmp_path / "definitions"
    copy_definitions(root)
    return root


def test_adding_an_alarm_is_one_yaml_entry(tmp_path: Path) -> None:
    root = _definitions_copy(tmp_path)
    catalog_file = root / "alerts" / "cloudwatch" / "load-balancer.yaml"
    catalog_file.write_text(catalog_file.read_text() + "\n" + _worked_alarm_entry())
    plan_file = tmp_path / "plan.json"
    result = run_obsctl("plan", "staging", "--definitions", str(root), "--json", str(plan_file), "--quiet")
    assert result.returncode == 0, result.stderr
    alarms = {
        r["inputs"]["name"]: r["inputs"]
        for r in json.loads(plan_file.read_text())["resources"]
        if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"
    }
    alarm = alarms["staging-lb-target-response-slow"]
    assert alarm["threshold"] == 0.3
    assert alarm["alarmActions"] == alarm["okActions"] == ["${alarm-routing-warning.arn}"]


def test_the_documented_period_error_is_the_real_one(tmp_path: Path) -> None:
    root = _definitions_copy(tmp_path)
    catalog_file = root / "alerts" / "cloudwatch" / "api.yaml"
    text = catalog_file.read_text()
    latency = text.index("id: api-latency-p95")
    period = text.index("period: 60", latency)
    catalog_file.write_text(text[:period] + "period: 45" + text[period + len("period: 60") :])
    result = run_obsctl("plan", "staging", "--definitions", str(root))
    assert result.returncode != 0
    documented = re.search(r"error: alerts/cloudwatch/api\.yaml: api-latency-p95\.period: .*", README)
    assert documented is not None
    assert documented.group(0) in result.stderr, result.stderr


def test_the_documented_helm_values_error_is_the_real_one() -> None:
    from infra.errors import DefinitionError
    from tests.test_helm_value_overrides import _check, _prod_cluster

    documented = re.search(
        r"error: (Pulumi\.prod\.yaml: observability:monitoringCluster\.helmValues\..*)", README
    )
    assert documented is not None
    cluster = _prod_cluster(
        {"kube-prometheus-stack": {"prometheus": {"prometheusSpec": {"retentionn": "10d"}}}}
    )
    try:
        _check(cluster)
    except DefinitionError as error:
        assert str(error) == documented.group(1)
    else:
        raise AssertionError("a misspelled values key must fail")
