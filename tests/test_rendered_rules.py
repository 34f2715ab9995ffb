"""Each stack's rules and Alertmanager config as deployed, under the real promtool and amtool.

The rules are taken from the PrometheusRules in the plan, so what promtool checks is exactly what
the stack deploys, overrides applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.catalog.alertmanager import check_config, render, stand_in_values
from infra.catalog.prometheus import ORIGIN_LABEL
from infra.catalog.prometheus.promtool import check_rules
from infra.catalog.strict_yaml import dump
from infra.config import load_settings
from infra.kubernetes.catalog import load_monitoring_definitions
from obsctl.plan import Plan, reveal
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR

RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def deployed_rules(plan: Plan) -> dict[str, dict[str, Any]]:
    """PrometheusRule name -> its spec (the upstream rule-file document)."""
    return {r.inputs["metadata"]["name"]: reveal(r.inputs["spec"]) for r in plan.by_type(RULE)}


def alerts(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    """(alert name, severity) -> rule, across the PrometheusRules of the repository's own files
    (vendored copies of upstream alerts may repeat a name and severity)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    own = [
        reveal(r.inputs["spec"])
        for r in plan.by_type(RULE)
        if r.inputs["metadata"]["labels"].get(ORIGIN_LABEL) != "vendored"
    ]
    for spec in own:
        for group in spec["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found[(rule["alert"], rule["labels"]["severity"])] = rule
    return found


def test_deployed_rules_of_each_stack_pass_promtool(stack_plan: Plan, tmp_path: Path) -> None:
    paths = []
    for name, spec in deployed_rules(stack_plan).items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(dump(spec), encoding="utf-8")
        paths.append(path)
    assert paths
    run = check_rules(paths)
    assert run.ok, str(run)


def test_staging_overrides_change_only_staging(staging_plan: Plan, prod_plan: Plan) -> None:
    staging, prod = alerts(staging_plan), alerts(prod_plan)

    latency_prod, latency_staging = (
        prod[("APIHighLatency", "warning")],
        staging[("APIHighLatency", "warning")],
    )
    assert latency_prod["expr"].rstrip().endswith("> 0.5") and latency_prod["for"] == "2m"
    assert latency_staging["expr"].rstrip().endswith("> 1") and latency_staging["for"] == "10m"

    assert ("GatewayNoRequests", "critical") in prod
    assert ("GatewayNoRequests", "critical") not in staging
    assert staging[("GatewayNoRequests", "warning")]["for"] == "15m"

    for disabled in ("LowUserActivity", "ProductivityScoreAnomaly"):
        assert (disabled, "warning") in prod
        assert all(name != disabled for name, _ in staging)

    untouched = set(prod) - {
        ("APIHighLatency", "warning"),
        ("GatewayNoRequests", "critical"),
        ("LowUserActivity", "warning"),
        ("ProductivityScoreAnomaly", "warning"),
    }
    assert {key: staging[key] for key in untouched} == {key: prod[key] for key in untouched}


def test_prod_deploys_the_rule_files_as_written(prod_plan: Plan) -> None:
    settings = load_settings(read_stack_file(PROJECT_DIR, "prod").raw)
    assert settings.prometheus.rules == {}
    definitions = load_monitoring_definitions(settings, PROJECT_DIR)
    assert definitions is not None
    assert deployed_rules(prod_plan) == {f.name: f.document() for f in definitions.rule_files}


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_amtool_accepts_each_stacks_alertmanager_config(stack: str) -> None:
    """The stack's own values, with well-formed stand-ins where its secrets go (a webhook URL must
    parse as a URL, which the session's sentinel secret does not)."""
    settings = load_settings(read_stack_file(PROJECT_DIR, stack).raw)
    definitions = load_monitoring_definitions(settings, PROJECT_DIR)
    assert definitions is not None
    secret_stand_ins, _ = stand_in_values(definitions.alertmanager)
    rendered = render(
        definitions.alertmanager, secret_stand_ins, settings.alertmanager.values, source=settings.stack_file
    )
    assert "${" not in dump(rendered)
    run = check_config(rendered)
    assert run.ok, str(run)
