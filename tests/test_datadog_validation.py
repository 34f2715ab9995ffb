"""Every Datadog monitor check, each with a failing case that names the file and the monitor id."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.catalog.datadog import load_catalog, render_monitors
from infra.errors import DefinitionError, Problem
from infra.settings.datadog import DatadogSettings

VALID = """\
cpu-high:
  name: CPU high
  type: metric alert
  query: "avg(last_5m):avg:system.cpu.user{*} by {host} > 80"
  message: CPU is high
  thresholds:
    critical: 80
    warning: 70
"""


def problems_for(tmp_path: Path, text: str, file_name: str = "broken.yaml") -> list[Problem]:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / file_name).write_text(text)
    with pytest.raises(DefinitionError) as raised:
        render_monitors(load_catalog(tmp_path), DatadogSettings(), "staging")
    return list(raised.value.problems)


def single_problem(tmp_path: Path, text: str, file_name: str = "broken.yaml") -> Problem:
    problems = problems_for(tmp_path, text, file_name)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.source == f"alerts/datadog/{file_name}"
    return problem


def test_the_valid_catalog_passes(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "ok.yaml").write_text(VALID)
    (rendered,) = render_monitors(load_catalog(tmp_path), DatadogSettings(), "staging")
    assert rendered.inputs["monitor_thresholds"] == {"critical": "80", "warning": "70"}


def test_a_bad_type_is_caught_through_the_client_models_unparsed_flag(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace("type: metric alert", "type: metric alrt"))
    assert problem.location == "cpu-high"
    assert problem.message.startswith("type: 'metric alrt' is not a value the Datadog API accepts")
    assert "did you mean 'metric alert'" in problem.message


def test_an_unknown_enum_in_the_options_is_caught_through_unparsed(tmp_path: Path) -> None:
    text = VALID + "  on_missing_data: sometimes\n"
    problem = single_problem(tmp_path, text)
    assert problem.location == "cpu-high"
    assert problem.message.startswith("on_missing_data: 'sometimes' is not a value")


def test_a_missing_query_fails(tmp_path: Path) -> None:
    text = VALID.replace('  query: "avg(last_5m):avg:system.cpu.user{*} by {host} > 80"\n', "")
    problem = single_problem(tmp_path, text)
    assert (problem.location, problem.message) == ("cpu-high", "query: Field required")


def test_a_non_numeric_threshold_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace("critical: 80", "critical: high"))
    assert problem.location == "cpu-high"
    assert problem.message == "thresholds.critical: must be a number, got 'high'"


def test_a_warning_beyond_critical_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace("warning: 70", "warning: 85"))
    assert problem.location == "cpu-high"
    assert problem.message.startswith("thresholds.warning: 85 must be below critical (80)")


def test_a_warning_beyond_critical_fails_for_a_below_comparison_too(tmp_path: Path) -> None:
    text = VALID.replace("> 80", "< 80").replace("warning: 70", "warning: 75")
    problem = single_problem(tmp_path, text)
    assert problem.message.startswith("thresholds.warning: 75 must be above critical (80)")


def test_a_threshold_that_disagrees_with_the_query_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace("critical: 80", "critical: 90"))
    assert problem.location == "cpu-high"
    assert problem.message.startswith("thresholds.critical: 90 disagrees with the query")
    assert "`> 80`" in problem.message


def test_a_type_that_does_not_match_the_query_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace("type: metric alert", "type: log alert"))
    assert problem.location == "cpu-high"
    assert problem.message.startswith("query: type 'log alert' does not match the query, which is a metric")


def test_a_query_without_a_comparison_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID.replace(" > 80", ""))
    assert problem.message.startswith("query: the query must end with a comparison")


def test_a_recovery_threshold_on_the_wrong_side_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID + "    critical_recovery: 85\n")
    assert problem.message.startswith("thresholds.critical_recovery: 85 must be below critical (80)")


def test_an_anomaly_monitor_needs_threshold_windows(tmp_path: Path) -> None:
    text = VALID.replace(
        "avg:system.cpu.user{*} by {host} > 80", "anomalies(avg:x{*}, 'basic', 2) >= 1"
    ).replace("critical: 80\n    warning: 70", "critical: 1")
    problem = single_problem(tmp_path, text)
    assert problem.message.startswith("threshold_windows: an anomalies() monitor needs")


def test_option_ranges_are_checked(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID + "  timeout_h: 25\n")
    assert problem.message.startswith("timeout_h: Input should be less than or equal to 24")


def test_options_set_in_both_places_fail(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID + "  options:\n    notify_no_data: true\n")
    assert "not both (top level: thresholds)" in problem.message


def test_an_unknown_field_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID + "  notify_nodata: true\n")
    assert problem.message == "notify_nodata: unknown field (did you mean notify_no_data?)"


def test_a_deprecated_option_with_effect_fails(tmp_path: Path) -> None:
    problem = single_problem(tmp_path, VALID + "  locked: true\n")
    assert problem.message.startswith("locked: deprecated by Datadog")


def test_errors_in_a_json_export_name_the_file_name_id(tmp_path: Path) -> None:
    export = '{"id": 123, "name": "x", "type": "metric alert", "query": "avg(last_5m):avg:x{*} > 1",'
    export += ' "options": {"thresholds": {"critical": 2}}}'
    problem = single_problem(tmp_path, export, "exported-monitor.json")
    assert problem.location == "exported-monitor"
    assert "disagrees with the query" in problem.message


def test_errors_in_an_integration_monitor_name_the_file(tmp_path: Path) -> None:
    wrapper = '{"version": 2, "title": "t", "definition": {"name": "x", "type": "service check"}}'
    problem = single_problem(tmp_path, wrapper, "integration.json")
    assert (problem.location, problem.message) == ("integration", "query: Field required")


def test_a_monitor_id_defined_twice_fails(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "a.yaml").write_text(VALID)
    problem = single_problem(tmp_path, VALID, "b.yaml")
    assert problem.message == "monitor id already defined in alerts/datadog/a.yaml"


def test_all_problems_of_a_run_are_reported_together(tmp_path: Path) -> None:
    text = VALID + VALID.replace("cpu-high", "cpu-other").replace("critical: 80", "critical: 81")
    text = text.replace("type: metric alert", "type: metric alrt", 1)
    problems = problems_for(tmp_path, text)
    assert [p.location for p in problems] == ["cpu-high", "cpu-other"]
