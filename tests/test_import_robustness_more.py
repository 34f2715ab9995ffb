"""More public files through ``obsctl import`` then ``obsctl plan``: each case is one that broke.

The fixtures under ``tests/fixtures/adopt/`` are cut from upstream files; their sources are listed
in ``tests/fixtures/adopt/SOURCES-import-robustness-more.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.catalog.cloudwatch.queries import load_queries
from infra.catalog.dashboards import adopt_dashboard, check_dashboard, lint, load_dashboard_text, normalize
from infra.catalog.dashboards.promql import promql_error
from infra.catalog.dashboards.variables import variables_by_name
from obsctl.runner import plan_stack
from tests.catalog.dashboard_support import PROMETHEUS
from tests.conftest import PROJECT_DIR, obsctl_in, project_copy

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "adopt"
QUERY = "aws:cloudwatch/queryDefinition:QueryDefinition"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


def _lint_errors(name: str) -> list[str]:
    raw = load_dashboard_text((FIXTURES / name).read_text(), name, "adopt")
    return [str(p) for p in lint(normalize(raw.dashboard, uid="x"), name).errors]


# --- Grafana -------------------------------------------------------------------------------------


def test_a_promql_comment_with_an_apostrophe_opens_no_string() -> None:
    # Loki's bloom-build dashboard: "# building blooms for data we're ingesting." used to open a
    # string literal that swallowed the query up to the next quote, so [$__auto] became [x].
    assert _lint_errors("mixins-loki-bloom-build-comment.json") == []
    assert promql_error("# it's a comment\nsum(rate(up[$__rate_interval]))", {}) is None


def test_an_escaped_dollar_of_no_variable_stays_literal_in_a_regex() -> None:
    # IBM MQ: topic!~"SYSTEM.*|\\$SYS.*|": Grafana leaves $SYS (no such variable) as written, and
    # Prometheus gets the valid regex SYSTEM.*|\$SYS.*| (it was "illegal regex" and "$SYS undefined").
    assert _lint_errors("mixins-ibm-mq-escaped-dollar.json") == []
    dashboard = json.loads((FIXTURES / "mixins-ibm-mq-escaped-dollar.json").read_text())
    variables = variables_by_name(dashboard)
    assert promql_error('up{job=~"$undefined("}', variables) is not None  # still a real regex check
    assert promql_error('up{job=~"$qmgr"}', variables) is None  # a variable's value stands in


def test_a_query_less_panel_with_an_unknown_datasource_warns_instead_of_failing() -> None:
    # ActiveMQ's alertlist panel names datasource uid "datasource" and runs no query: Grafana loads it.
    name = "mixins-activemq-alertlist.json"
    raw = load_dashboard_text((FIXTURES / name).read_text(), name, "adopt")
    _, report = check_dashboard(raw, [PROMETHEUS], PROMETHEUS.uid)
    assert report.errors == [], [str(p) for p in report.errors]
    assert any("runs no query" in str(w) and "ActiveMQ alerts" in str(w) for w in report.warnings)


def test_a_panel_with_queries_and_an_unknown_datasource_still_fails() -> None:
    dashboard = json.loads((FIXTURES / "mixins-activemq-alertlist.json").read_text())
    dashboard["panels"][0]["targets"] = [{"refId": "A", "expr": "up"}]
    raw = load_dashboard_text(json.dumps(dashboard), "alertlist.json", "adopt")
    _, report = check_dashboard(raw, [PROMETHEUS], PROMETHEUS.uid)
    assert any("matches no datasource" in str(p) for p in report.errors)


def test_the_import_prints_what_the_plan_will_refuse(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ceph's multi-cluster dashboard uses $Cluster where only $cluster exists: the import used to be
    # silent and the plan then failed with advice the import never gave.
    source = FIXTURES / "mixins-ceph-undefined-variable.json"
    status, output = obsctl_in(project, capsys, "import", "dashboard", str(source), "--to", "dashboards/ceph")
    assert status == 0, output
    assert (
        'action: dashboards/ceph/ceph-multi-cluster-cut.json: panel "Capacity Prediction" target A: '
        "uses $Cluster, which is not a template variable" in output
    )
    assert "the plan fails until this is fixed in the file" in output


def test_a_library_panel_in_elements_is_inlined_at_import(tmp_path: Path) -> None:
    source = FIXTURES / "grafana-library-panel-elements.json"
    imported = adopt_dashboard(source, "lib", tmp_path)
    written = json.loads(imported.path.read_text())
    first = written["panels"][0]
    assert "libraryPanel" not in first and first["title"] == "Up targets" and first["type"] == "stat"
    assert first["targets"][0]["expr"] == "sum(up)" and first["gridPos"]["w"] == 12
    assert any("library panel 'Up targets' inlined from __elements" in n for n in imported.notes)
    raw = load_dashboard_text(imported.path.read_text(), "lib.json", "lib")
    assert not [
        w for w in lint(normalize(raw.dashboard, uid="x"), "lib.json").warnings if "library" in str(w)
    ]


# --- Datadog -------------------------------------------------------------------------------------


def test_the_ui_editor_keys_of_thresholds_are_ignored_not_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "dd-extras-seagence-defect-detection.json"
    status, output = obsctl_in(project, capsys, "import", "datadog", str(source))
    assert status == 0, output
    assert (
        "options.thresholds.comparison, options.thresholds.period, options.thresholds.timeAggregator"
        in output
    )
    written = yaml.safe_load(
        (project / "alerts/datadog/dd-extras-seagence-defect-detection.yaml").read_text()
    )
    assert written["dd-extras-seagence-defect-detection"]["options"]["thresholds"] == {"critical": 0}


def test_a_composite_naming_exported_monitor_ids_is_called_out(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The API's composite example: the query names monitors by their numeric ids.
    export = [
        {"id": 1, "name": "a", "type": "metric alert", "query": "avg(last_5m):avg:a{*} > 1", "message": "m"},
        {"id": 2, "name": "b", "type": "metric alert", "query": "avg(last_5m):avg:b{*} > 1", "message": "m"},
        {"id": 3, "name": "both", "type": "composite", "query": "1 && 2", "message": "m"},
    ]
    source = tmp_path / "composite.json"
    source.write_text(json.dumps(export))
    status, output = obsctl_in(project, capsys, "import", "datadog", str(source))
    assert status == 0, output
    assert "composite: both combines Datadog monitors 1, 2 by their numeric ids" in output


# --- CloudFormation ------------------------------------------------------------------------------


def test_a_saved_query_without_log_groups_imports_and_plans(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # LogGroupNames is optional in AWS::Logs::QueryDefinition (and PutQueryDefinition): it was refused.
    source = FIXTURES / "cfn-client-vpn-query.yaml"
    status, output = obsctl_in(project, capsys, "import", "cloudformation", str(source))
    assert status == 0, output
    assert (
        "Resources.TotalUsagePerClientVPNEndpoint.Properties: names no log group (LogGroupNames is optional)"
        in output
    )
    (query,) = [q for q in load_queries(project) if q.query_set == "cfn-client-vpn-query"]
    assert query.query.log_groups == []
    plan = plan_stack(project, "staging")
    planned = {r.inputs["name"]: r.inputs for r in plan.by_type(QUERY)}
    entry = planned["staging/cfn-client-vpn-query/Total Usage per Client VPN Endpoint"]
    assert "logGroupNames" not in entry
