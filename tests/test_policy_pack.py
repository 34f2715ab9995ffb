"""The CrossGuard pack over both stacks' recorded resources: the shipped stacks pass, and every
policy bites on a copy of them with one thing broken."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra.errors import DefinitionError
from obsctl.plan import Plan, Secret
from obsctl.policy import PACK_DIR, render_policy_report, run_policies
from tests.policy_fixtures import (
    ALARM,
    GRAFANA_RELEASE,
    assert_clean,
    assert_only,
    check,
    edit_json,
    first,
    get,
    key_of,
    mutate,
    with_fixtures,
)

ALL_POLICIES = {
    "log-group-retention",
    "log-group-encrypted",
    "data-stores-protected",
    "alarm-has-actions",
    "alarm-topics-encrypted-for-cloudwatch",
    "alerts-reach-someone",
    "aws-name-limits",
    "s3-bucket-public-access-blocked",
    "s3-bucket-encrypted",
    "s3-bucket-versioned",
    "iam-no-wildcard-admin",
    "irsa-trust-scoped",
    "helm-chart-version-pinned",
    "prometheus-rule-selected",
    "prometheus-rule-after-release",
    "no-plaintext-secrets",
    "alert-severity-and-runbook",
    "datadog-monitor-routing",
    "grafana-dashboard-portable",
}


# -- the shipped stacks ---------------------------------------------------------------------------


def test_shipped_stacks_have_no_violations(stack_plan: Plan) -> None:
    report = run_policies(stack_plan)
    assert set(report.policies) == ALL_POLICIES
    assert report.violations == [], render_policy_report(report)
    assert report.config_source == f"policy/config/{stack_plan.stack}.json"


def test_fixture_resources_are_clean(prod_plan: Plan, staging_plan: Plan) -> None:
    """The resources the failing cases below start from pass every policy."""
    for plan in (prod_plan, staging_plan):
        assert_clean(plan, lambda p: p.resources.extend(with_fixtures(p).resources[len(p.resources) :]))


# -- configuration and enforcement ----------------------------------------------------------------


def test_config_can_lower_enforcement(prod_fixture: Plan) -> None:
    broken = mutate(prod_fixture, lambda p: get(p, ALARM).inputs.update(alarmActions=[]))
    report = run_policies(broken, {"alarm-has-actions": "advisory"})
    assert [v.policy for v in report.advisory_violations] == ["alarm-has-actions"]
    assert "alarm-has-actions" not in {v.policy for v in report.mandatory_violations}
    lowered = {"all": "disabled", "alerts-reach-someone": "mandatory"}
    assert run_policies(broken, lowered).violations == []


def test_invalid_config_names_file_and_policy(prod_plan: Plan, tmp_path: Any) -> None:
    with pytest.raises(DefinitionError) as raised:
        run_policies(
            prod_plan,
            {"log-group-retention": {"minimumRetentionDay": 90}, "log-retention": "mandatory"},
        )
    problems = [str(p) for p in raised.value.problems]
    assert any("log-group-retention" in p and "minimumRetentionDay" in p for p in problems), problems
    assert any("log-retention: no such policy" in p for p in problems), problems

    with pytest.raises(DefinitionError, match="enforcementLevel 'blocking'"):
        run_policies(prod_plan, {"log-group-retention": {"enforcementLevel": "blocking"}})


def test_shipped_configs_are_valid_and_versions_agree() -> None:
    import yaml

    manifest = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    from observability_policies import PACK_NAME, PACK_VERSION

    assert manifest["version"] == PACK_VERSION
    assert manifest["runtime"]["name"] == "python"
    assert PACK_NAME == "observability-policies"
    assert manifest["runtime"]["options"]["virtualenv"] == "../.venv"


def test_report_names_policy_resource_and_level(prod_plan: Plan) -> None:
    log_groups = [r.name for r in prod_plan.by_type("aws:cloudwatch/logGroup:LogGroup")]
    report = check(mutate(prod_plan, lambda p: get(p, log_groups[0]).inputs.update(retentionInDays=30)))
    text = render_policy_report(report)
    assert f"[mandatory] log-group-retention: aws:cloudwatch/logGroup:LogGroup {log_groups[0]}" in text
    assert "      retentionInDays is 30; this stack requires at least 90" in text
    summary = text.rstrip().splitlines()[-1]
    assert summary.startswith(
        f"Policies: {len(report.mandatory_violations)} mandatory, 0 advisory violation(s)"
    )
    assert summary.endswith(
        f"({len(ALL_POLICIES)} policies of observability-policies 0.1.0, config policy/config/prod.json)"
    )


# -- the pack as the Pulumi CLI serves it ---------------------------------------------------------


class _ServedPack:
    """A gRPC client of the served pack, with the servicer's (request, context) signatures."""

    def __init__(self, channel: Any) -> None:
        from pulumi.runtime.proto import analyzer_pb2_grpc

        self._stub = analyzer_pb2_grpc.AnalyzerStub(channel)

    def __getattr__(self, method: str) -> Callable[[Any, Any], Any]:
        call = getattr(self._stub, method)
        return lambda request, _context: call(request, timeout=60)


def test_served_pack_reports_what_the_offline_run_reports(prod_fixture: Plan) -> None:
    """`pulumi preview --policy-pack policy` runs `python -m pulumi.policy <engine> policy`, which runs
    policy/__main__.py and serves the pack over gRPC. Driven with the same requests, it finds the
    same violations as run_policies, secrets included."""
    import subprocess
    import sys

    import grpc

    from obsctl.policy import analyze
    from tests.conftest import PROJECT_DIR

    def break_things(plan: Plan) -> None:
        get(plan, first(plan, "aws:cloudwatch/logGroup:LogGroup").name).inputs.pop("retentionInDays")
        get(plan, GRAFANA_RELEASE).inputs["values"]["admin"]["password"] = "plaintext-password"
        get(plan, GRAFANA_RELEASE).inputs["values"]["apiToken"] = Secret("a-secret-token-value")

    plan = mutate(prod_fixture, break_things)
    server = subprocess.Popen(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:0", "policy"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            served = analyze(_ServedPack(channel), plan)
    finally:
        server.terminate()
        server.wait(timeout=30)

    offline = run_policies(plan)
    assert served.violations == offline.violations
    assert served.version == offline.version == "0.1.0"
    found = {(v.policy, v.detail) for v in served.violations}
    assert (
        "no-plaintext-secrets",
        "values.admin.password: password looks like a credential and is not a secret",
    ) in found
    assert not any("apiToken" in detail for _, detail in found)
    assert any(policy == "log-group-retention" for policy, _ in found)


# -- the acceptance cases, on the recorded resources themselves ----------------------------------


def _no_retention(plan: Plan) -> None:
    first(plan, "aws:cloudwatch/logGroup:LogGroup").inputs.pop("retentionInDays")


def _no_alarm_actions(plan: Plan) -> None:
    alarm = first(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    alarm.inputs["alarmActions"] = []
    alarm.property_dependencies.pop("alarmActions", None)


def _no_kms_grant(plan: Plan) -> None:
    alarm = first(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    key = key_of(plan, alarm.property_dependencies["alarmActions"][0])
    edit_json(
        key,
        "policy",
        lambda doc: doc.update(
            Statement=[s for s in doc["Statement"] if "cloudwatch.amazonaws.com" not in json.dumps(s)]
        ),
    )


def _no_chart_version(plan: Plan) -> None:
    first(plan, "kubernetes:helm.sh/v3:Release").inputs.pop("version")


def _no_selector_label(plan: Plan) -> None:
    rule = first(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    rule.inputs["metadata"]["labels"].pop("release")


@pytest.mark.parametrize(
    ("change", "policy"),
    [
        (_no_retention, "log-group-retention"),
        (_no_alarm_actions, "alarm-has-actions"),
        (_no_kms_grant, "alarm-topics-encrypted-for-cloudwatch"),
        (_no_chart_version, "helm-chart-version-pinned"),
        (_no_selector_label, "prometheus-rule-selected"),
    ],
)
def test_breaking_a_recorded_resource_is_named(
    prod_plan: Plan, change: Callable[[Plan], object], policy: str
) -> None:
    assert_only(prod_plan, change, policy)
