"""Every plan runs amtool check-config on the Alertmanager configuration the stack renders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.catalog.alertmanager import CONFIG_FILE
from obsctl.alertmanager_check import SETTINGS_KEY, AmtoolVerdict, check_stack_alertmanager
from obsctl.cli import main
from obsctl.plan import Plan
from tests.conftest import PROJECT_DIR, REQUIRE_TOOLS, STACKS, copy_definitions

CLUSTER_STACKS = [
    stack for stack in STACKS if "monitoringCluster" in (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()
]


def _checked(verdict: AmtoolVerdict | None) -> AmtoolVerdict:
    assert verdict is not None
    if verdict.unchecked and not REQUIRE_TOOLS:
        pytest.skip("needs amtool, which `make tools` could not install here")
    return verdict


def test_every_stack_renders_a_configuration_amtool_accepts(stack_plan: Plan) -> None:
    assert stack_plan.settings is not None and stack_plan.definitions_root is not None
    verdict = check_stack_alertmanager(stack_plan.settings, stack_plan.definitions_root)
    if stack_plan.settings.monitoring_cluster is None:
        assert verdict is None
        return
    verdict = _checked(verdict)
    assert verdict.refusal == []
    assert "amtool check-config passed" in verdict.summary


def _with_route_option(root: Path, key: str, value: str) -> Path:
    """The repository's definitions, with one option of the root route set as given."""
    copy_definitions(root)
    path = root / CONFIG_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["route"][key] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return root


@pytest.mark.skipif(not CLUSTER_STACKS, reason="no stack deploys a monitoring cluster")
def test_a_configuration_amtool_refuses_fails_the_plan_with_amtools_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The program's own checks let an unparsable duration through; Alertmanager would not load it.
    stack = CLUSTER_STACKS[0]
    root = _with_route_option(tmp_path, "group_wait", "soon")
    status = main(["--project-dir", str(PROJECT_DIR), "plan", stack, "--quiet", "--definitions", str(root)])
    captured = capsys.readouterr()
    if "NOT checked by amtool" in captured.out and not REQUIRE_TOOLS:
        pytest.skip("needs amtool, which `make tools` could not install here")
    assert status == 1
    assert (
        f"error: {CONFIG_FILE}, rendered for stack {stack} (values: Pulumi.{stack}.yaml {SETTINGS_KEY})"
        in (captured.err)
    )
    assert 'not a valid duration string: "soon"' in captured.err
    assert "Alertmanager config: amtool check-config FAILED" in captured.out


@pytest.mark.skipif(not CLUSTER_STACKS, reason="no stack deploys a monitoring cluster")
def test_the_plan_reports_the_amtool_check(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--project-dir", str(PROJECT_DIR), "plan", CLUSTER_STACKS[0], "--quiet"])
    out = capsys.readouterr().out
    assert status == 0
    assert "Alertmanager config: amtool check-config passed" in out or "NOT checked by amtool" in out
