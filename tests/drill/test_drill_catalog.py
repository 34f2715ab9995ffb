"""drills/: every shipped file loads, the schema is current, and bad scenarios are refused with the
file and the scenario named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.catalog.drills import load_drills
from infra.catalog.drills.__main__ import schema_text
from infra.catalog.drills.loader import SCHEMA_FILE, SCHEMA_LINE
from infra.errors import DefinitionError
from tests.conftest import PROJECT_DIR

DRILL_FILES = sorted((PROJECT_DIR / "drills").glob("*.yaml"))


def test_shipped_drills_load_with_one_baseline() -> None:
    catalog = load_drills(PROJECT_DIR)
    assert catalog.scenarios, "drills/ holds scenarios"
    assert catalog.baseline_source == "drills/baseline.yaml"
    assert catalog.baseline.series


def test_schema_is_current() -> None:
    assert (PROJECT_DIR / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(), (
        "run python -m infra.catalog.drills --write-schema"
    )


@pytest.mark.parametrize("path", DRILL_FILES, ids=lambda p: p.name)
def test_every_drill_file_points_editors_at_the_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE


def _root_with(tmp_path: Path, name: str, text: str) -> Path:
    shutil.copytree(PROJECT_DIR / "drills", tmp_path / "drills")
    (tmp_path / "drills" / name).write_text(text, encoding="utf-8")
    return tmp_path


def _problems(root: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_drills(root)
    return [str(p) for p in caught.value.problems]


def test_a_series_without_a_value_names_file_and_scenario(tmp_path: Path) -> None:
    root = _root_with(
        tmp_path,
        "broken.yaml",
        "scenarios:\n"
        "  - name: broken-one\n"
        "    description: x\n"
        "    series: [{metric: up_total}]\n"
        "    expect: {fire: [Anything]}\n",
    )
    assert _problems(root) == [
        "drills/broken.yaml: scenarios[broken-one].series[0]: set exactly one of value, rate or histogram (got none)"
    ]


def test_duplicate_scenario_names_and_a_second_baseline_are_refused(tmp_path: Path) -> None:
    first = load_drills(PROJECT_DIR).scenarios[0]
    root = _root_with(
        tmp_path,
        "zz-copy.yaml",
        f"baseline: {{series: []}}\nscenarios:\n  - name: {first.scenario.name}\n"
        "    description: x\n    expect: {fire: [A]}\n",
    )
    problems = _problems(root)
    assert (
        "drills/zz-copy.yaml: baseline: is defined in drills/baseline.yaml already: keep one baseline"
        in problems
    )
    assert (
        f"drills/zz-copy.yaml: scenarios[0].name: scenario {first.scenario.name} is defined in {first.source} already"
        in problems
    )


def test_files_that_are_not_drills_are_refused_not_skipped(tmp_path: Path) -> None:
    root = _root_with(tmp_path, "notes.txt", "hello")
    assert _problems(root) == [
        "drills/notes.txt: is not a drill file: drills/ holds *.yaml scenario files and README.md"
    ]


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("{silent: [A]}", "expect.fire or expect.inhibited must name an alert: a drill fires something"),
        ("{fire: [A], silent: [A]}", "expect.silent: A is also expected to fire"),
        (
            "{fire: [A], notifications: [{alert: B, receiver: r, integration: slack}]}",
            "expect.notifications: B is not in expect.fire",
        ),
        (
            "{fire: [A], notifications: [{alert: A, receiver: r, integration: carrier-pigeon}]}",
            "Input should be",
        ),
    ],
)
def test_inconsistent_expectations_are_refused(tmp_path: Path, expect: str, message: str) -> None:
    root = _root_with(
        tmp_path, "bad.yaml", f"scenarios:\n  - name: bad\n    description: x\n    expect: {expect}\n"
    )
    problems = _problems(root)
    assert len(problems) == 1 and problems[0].startswith("drills/bad.yaml: scenarios[bad]")
    assert message in problems[0]


def test_a_bad_time_is_refused(tmp_path: Path) -> None:
    root = _root_with(
        tmp_path,
        "bad.yaml",
        "scenarios:\n  - name: bad\n    description: x\n"
        "    series: [{metric: m, value: [{at: 5 minutes, value: 1}]}]\n    expect: {fire: [A]}\n",
    )
    (problem,) = _problems(root)
    assert problem.startswith("drills/bad.yaml: scenarios[bad].series[0].value[0].at:")
    assert "is not a Prometheus duration" in problem


def test_a_scenario_runs_where_the_stacks_rules_define_what_it_expects_to_fire() -> None:
    """Not by stack name: a stack that makes GatewayNoRequests a warning gets the warning scenario."""
    catalog = load_drills(PROJECT_DIR)
    others = [("GatewayHighErrorRate", "critical"), ("GatewayLowSuccessRate", "warning")]

    def chosen(alerts: list[tuple[str, str | None]]) -> set[str]:
        return {s.scenario.name for s in catalog.for_stack("any-new-stack", alerts)}

    warning = chosen([*others, ("GatewayNoRequests", "warning")])
    critical = chosen([*others, ("GatewayNoRequests", "critical")])
    assert "gateway-outage-warning" in warning and "gateway-outage" not in warning
    assert "gateway-outage" in critical and "gateway-outage-warning" not in critical
    assert not {"gateway-outage", "gateway-outage-warning"} & chosen(others)
