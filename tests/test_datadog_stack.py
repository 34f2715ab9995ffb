"""Datadog as planned in the shipped stacks: monitors, pipelines, provider secrets, lazy import."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from obsctl.plan import Plan, Secret
from tests.conftest import PROJECT_DIR

MONITOR = "datadog:index/monitor:Monitor"


def test_prod_plans_every_monitor_with_env_tag_and_routed_handles(prod_plan: Plan) -> None:
    monitors = prod_plan.by_type(MONITOR)
    assert len(monitors) >= 8
    for monitor in monitors:
        inputs = monitor.inputs
        assert "env:prod" in inputs["tags"], monitor.name
        assert "{{#is_alert}}" in inputs["message"] and "@" in inputs["message"], monitor.name
        assert inputs.get("validate") in (False, None), "offline plans never ask the Datadog API"
    critical = [m for m in monitors if "@pagerduty-ExternalMetrics" in m.inputs["message"]]
    assert critical, "critical monitors page the PagerDuty service from the stack's routing"


def test_prod_plans_the_nginx_log_pipeline(prod_plan: Plan) -> None:
    (pipeline,) = prod_plan.by_type("datadog:index/logsCustomPipeline:LogsCustomPipeline")
    grok = pipeline.inputs["processors"][0]["grokParser"]["grok"]
    rules = grok["matchRules"] + grok.get("supportRules", "")
    for attribute in ("network.client.ip", "http.method", "http.url", "http.status_code"):
        assert attribute in rules


def test_datadog_credentials_are_secret_inputs_of_the_provider(prod_plan: Plan) -> None:
    (provider,) = prod_plan.by_type("pulumi:providers:datadog")
    assert isinstance(provider.inputs["apiKey"], Secret)
    assert isinstance(provider.inputs["appKey"], Secret)
    assert provider.inputs["validate"] == "false"


def test_staging_without_datadog_registers_no_datadog_resource(staging_plan: Plan) -> None:
    assert not [
        r for r in staging_plan.resources if r.type.startswith(("datadog:", "pulumi:providers:datadog"))
    ]


def _imports_pulumi_datadog(stack: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "obsctl.cli", "plan", stack, "--quiet"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return any(re.search(r"\|\s+pulumi_datadog$", line.rstrip()) for line in result.stderr.splitlines())


def test_a_stack_without_datadog_never_imports_pulumi_datadog() -> None:
    assert not _imports_pulumi_datadog("staging")


@pytest.mark.slow
def test_the_import_check_sees_pulumi_datadog_when_a_stack_enables_it() -> None:
    assert _imports_pulumi_datadog("prod")
