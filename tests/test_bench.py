"""``make bench``: its floor registers what the plan registers, and a run prints every column."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from obsctl.bench.floor import load_classes, sdk_packages
from obsctl.plan import Plan
from tests.conftest import PROJECT_DIR


def test_the_floor_finds_the_sdk_class_of_every_planned_type(stack_plan: Plan) -> None:
    custom = {resource.type for resource in stack_plan.resources if resource.custom}
    assert load_classes(custom) == []


def test_the_floor_names_a_type_no_sdk_here_defines() -> None:
    assert load_classes({"aws:cloudwatch/metricAlarm:NoSuchAlarm", "nosuch:index/thing:Thing"}) == [
        "aws:cloudwatch/metricAlarm:NoSuchAlarm",
        "nosuch:index/thing:Thing",
    ]


def test_the_floor_maps_packages_from_the_sdks_own_manifests() -> None:
    packages = sdk_packages()
    assert packages["aws"] == "pulumi_aws"
    assert packages["kubernetes"] == "pulumi_kubernetes"
    assert packages["grafana"] == "pulumiverse_grafana"


@pytest.mark.slow
def test_a_bench_run_prints_plan_floor_ratio_and_peak_memory(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    command = [sys.executable, "-m", "obsctl.bench", "--runs", "1", "--stacks", "staging", "--sizes"]
    command += ["--no-drill", "--json", str(report)]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[1:3]
    assert header.split()[:6] == ["case", "resources", "plan", "s", "floor", "s"]
    assert row.startswith("stack staging")
    (measured,) = json.loads(report.read_text())["plans"]
    assert measured["resources"] > 0
    assert measured["plan_seconds"] > 0 and measured["floor_seconds"] > 0
    assert measured["peak_rss_mib"] > 50
