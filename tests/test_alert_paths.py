"""Every alert path ends at someone: the alerts-reach-someone policy, its stack-file opt-out, and the
plan summary's "Alert paths" section, over the recorded stacks with one thing broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infra.errors import DefinitionError
from obsctl.alert_paths import alert_path_lines, receivers
from obsctl.plan import Plan
from obsctl.policy import run_policies
from tests.conftest import PROJECT_DIR, run_obsctl
from tests.policy_fixtures import MONITOR, assert_clean, assert_only, get, mutate

ScratchProject = Callable[[str, str], Path]
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARMS = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")


def _without_subscriptions(plan: Plan) -> None:
    plan.resources[:] = [r for r in plan.resources if r.type != SUBSCRIPTION]


def test_alarms_of_a_topic_without_subscriber_are_each_named(stack_plan: Plan) -> None:
    details = assert_only(stack_plan, _without_subscriptions, "alerts-reach-someone", "reaches nobody")
    alarms = [
        a for kind in ALARMS for a in stack_plan.by_type(kind) if a.property_dependencies.get("alarmActions")
    ]
    assert alarms, "the stack has no alarms to check"
    for alarm in alarms:
        assert alarm.name in details


def test_an_alarm_routed_to_an_unsubscribed_topic_is_named(prod_plan: Plan) -> None:
    """The tired-engineer case: an alarm moved to a severity whose topic nobody listens to."""
    unheard = {t.name for t in prod_plan.by_type(TOPIC)} - {
        name for s in prod_plan.by_type(SUBSCRIPTION) for name in s.property_dependencies.get("topic", [])
    }
    assert unheard, "prod subscribes someone to every topic: nothing to route to"
    topic = sorted(unheard)[0]
    alarm = prod_plan.by_type(ALARMS[0])[0]

    def reroute(plan: Plan) -> None:
        moved = get(plan, alarm.name)
        moved.inputs["alarmActions"] = [f"${{{topic}.arn}}"]
        moved.property_dependencies["alarmActions"] = [topic]

    details = assert_only(prod_plan, reroute, "alerts-reach-someone", alarm.name)
    assert details.count("reaches nobody") == 1


def test_the_stack_file_reason_is_the_only_opt_out(prod_plan: Plan) -> None:
    def unattended(plan: Plan) -> None:
        _without_subscriptions(plan)
        for topic in plan.by_type(TOPIC):
            topic.inputs["tags"]["alerts-unattended"] = "load-test stack: alerts are read on the dashboards"

    assert_clean(prod_plan, unattended)
    with pytest.raises(DefinitionError, match="alerts-reach-someone: cannot be disabled"):
        run_policies(mutate(prod_plan, _without_subscriptions), {"alerts-reach-someone": "disabled"})
    with pytest.raises(DefinitionError, match="alerts-reach-someone: cannot be advisory"):
        run_policies(prod_plan, {"all": "advisory"})


def test_a_monitor_notifying_only_on_recovery_reaches_nobody(prod_fixture: Plan) -> None:
    recovery_only = (
        "p99 above 2s. Runbook: https://runbooks.example.com/x\n{{#is_recovery}}@slack-sre{{/is_recovery}}"
    )
    assert_only(
        prod_fixture,
        lambda p: get(p, MONITOR).inputs.update(message=recovery_only),
        "alerts-reach-someone",
        "names no @handle",
    )
    assert_clean(
        prod_fixture,
        lambda p: get(p, MONITOR).inputs.update(
            message=recovery_only, tags=[*get(p, MONITOR).inputs["tags"], "alerts-unattended:true"]
        ),
    )


def test_prod_without_subscriptions_fails_the_plan_naming_the_alarms(scratch_project: ScratchProject) -> None:
    text = (PROJECT_DIR / "Pulumi.prod.yaml").read_text()
    start = text.index("    subscriptions:\n")
    end = text.index("  observability:", start)
    project = scratch_project("prod", text[:start] + "    subscriptions: []\n" + text[end:])
    result = run_obsctl("plan", "prod", "--quiet", "--definitions", str(PROJECT_DIR), cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "alerts-reach-someone" in result.stdout
    assert "cloudwatch-alarms-" in result.stdout and "reaches nobody" in result.stdout
    assert "-> NOBODY" in result.stdout


def test_an_unattended_reason_must_be_a_reason(scratch_project: ScratchProject) -> None:
    text = (PROJECT_DIR / "Pulumi.staging.yaml").read_text()
    project = scratch_project(
        "staging",
        text.replace("  observability:routing:\n", "  observability:routing:\n    unattended: why?\n", 1),
    )
    result = run_obsctl("plan", "staging", "--quiet", "--definitions", str(PROJECT_DIR), cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Pulumi.staging.yaml" in result.stderr and "routing.unattended" in result.stderr


def test_summary_shows_where_every_alert_ends(stack_plan: Plan) -> None:
    lines = alert_path_lines(stack_plan)
    assert lines[0] == "Alert paths:"
    text = "\n".join(lines)
    assert "NOBODY" not in text
    alarms = sum(len(stack_plan.by_type(kind)) for kind in ALARMS)
    shown = sum(int(line.split()[1]) for line in lines if line.strip().startswith("CloudWatch"))
    assert shown == alarms
    for forbidden in ("https://", "routing_key", "s3ntinel"):
        assert forbidden not in text


def test_routing_agrees_with_the_amtool_checked_table() -> None:
    """The summary follows alerts/alertmanager.yaml as amtool does: every row of the routing table
    (checked with `amtool config routes test` in test_alertmanager.py) routes the same here."""
    import yaml

    from infra.catalog.alertmanager_routing_table import load_routing_table

    config = yaml.safe_load((PROJECT_DIR / "alerts" / "alertmanager.yaml").read_text())
    table = load_routing_table(PROJECT_DIR / "tests" / "alertmanager" / "routes.yaml", PROJECT_DIR)
    assert table
    for case in table:
        assert tuple(receivers(config["route"], case.labels)) == case.receivers, case.location
