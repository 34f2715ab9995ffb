"""Each lint rule and each resolution failure bites, naming the file, the panel and the culprit."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalog.dashboards import (
    DeclaredDatasource,
    LintReport,
    interpolate,
    lint,
    normalize,
    promql_error,
    resolve_datasources,
)
from infra.errors import DefinitionError
from tests.catalog.dashboard_support import ENVIRONMENT, LOKI, PROMETHEUS, small_dashboard, timeseries

SOURCE = "dashboards/team/small.json"


def lint_panels(*panels: dict[str, Any], **extra: Any) -> LintReport:
    dashboard = small_dashboard(panels=list(panels))
    dashboard.update(extra)
    resolved = resolve_datasources(normalize(dashboard), ENVIRONMENT, "prometheus", SOURCE)
    return lint(resolved, SOURCE)


def messages(problems: list[Any]) -> list[str]:
    return [str(p) for p in problems]


def test_a_clean_dashboard_has_no_findings() -> None:
    assert lint_panels(timeseries("Requests", "sum(rate(x[$__rate_interval]))")).clean


def test_broken_promql_is_an_error_naming_file_panel_and_target() -> None:
    report = lint_panels(timeseries("Error rate", "sum(rate(http_requests_total[5m])) by (code"))
    assert messages(report.errors) == [
        f'{SOURCE}: panel "Error rate" target A: PromQL does not parse: unclosed left parenthesis'
    ]


def test_promql_is_checked_after_substituting_variables_as_grafana_does() -> None:
    report = lint_panels(
        timeseries("Ok", 'sum by ($job) (rate(x{job=~"$job"}[$__rate_interval])) / $__range_s', (0, 0, 8, 8)),
        timeseries(
            "Ok too", "increase(x[${__range_s}s] offset $__interval @ ${__to:date:seconds})", (8, 0, 8, 8)
        ),
        timeseries("Broken", "rate(x[$__rate_interval)", (16, 0, 8, 8)),
    )
    assert messages(report.errors) == [
        f"{SOURCE}: panel \"Broken\" target A: PromQL does not parse: unexpected character inside brackets: ')' "
        "(after substituting variables: rate(x[4m))"
    ]


def test_unknown_promql_function_is_an_error() -> None:
    report = lint_panels(timeseries("Forecast", "holt_winters(x[1h], 0.5, 0.5)"))
    assert "unknown function with name 'holt_winters'" in messages(report.errors)[0]


def test_loki_queries_are_not_parsed_as_promql() -> None:
    panel = timeseries("Logs", '{app="api"} |= "error"')
    panel["datasource"] = {"type": "loki", "uid": "loki"}
    assert lint_panels(panel).clean


def test_variable_query_promql_is_checked() -> None:
    dashboard = small_dashboard()
    dashboard["templating"]["list"][1]["query"] = "label_values(up{job=, job)"
    report = lint(resolve_datasources(normalize(dashboard), [PROMETHEUS], "prometheus", SOURCE), SOURCE)
    assert messages(report.errors)[0].startswith(f'{SOURCE}: variable "job": PromQL does not parse:')


def test_undefined_variable_is_an_error_naming_the_panel() -> None:
    report = lint_panels(timeseries("Latency on $cluster", 'up{namespace="$namespace", job="$job"}'))
    assert messages(report.errors) == [
        f'{SOURCE}: panel "Latency on $cluster" target A: uses $namespace, which is not a template variable '
        "(defined: $datasource, $job)",
    ]
    # In a title Grafana shows the literal text: worth a warning, not a failed deployment.
    assert messages(report.warnings) == [
        f'{SOURCE}: panel "Latency on $cluster": uses $cluster, which is not a template variable '
        "(defined: $datasource, $job); Grafana shows it as literal text",
    ]


def test_builtins_and_regex_backreferences_are_not_variables() -> None:
    expr = 'label_replace(rate(x[$__rate_interval]), "a", "$1", "b", "(.*)") * $__interval_ms'
    assert lint_panels(timeseries("Builtins", expr)).clean


def test_overlapping_panels_are_a_warning() -> None:
    report = lint_panels(timeseries("A", "up", (0, 0, 12, 8)), timeseries("B", "up", (6, 4, 12, 8)))
    assert report.errors == []
    assert messages(report.warnings) == [
        f'{SOURCE}: panel "B": overlaps panel "A": gridPos x=6 y=4 w=12 h=8 and x=0 y=0 w=12 h=8'
    ]


def test_panel_wider_than_the_grid_is_a_warning() -> None:
    report = lint_panels(timeseries("Wide", "up", (12, 0, 16, 8)))
    assert messages(report.warnings) == [
        f'{SOURCE}: panel "Wide": gridPos x=12 w=16 h=8 does not fit the 24-column grid'
    ]


@pytest.mark.parametrize(("kind", "replacement"), [("graph", "timeseries"), ("singlestat", "stat")])
def test_deprecated_panel_type_is_a_warning(kind: str, replacement: str) -> None:
    panel = timeseries("Old", "up")
    panel["type"] = kind
    report = lint_panels(panel)
    assert report.errors == []
    assert messages(report.warnings) == [
        f"{SOURCE}: panel \"Old\": panel type '{kind}' is deprecated (AngularJS, removed in Grafana 12): "
        f"use '{replacement}'"
    ]


def test_legacy_rows_layout_is_a_warning_and_its_panels_are_linted() -> None:
    rows = [
        {
            "title": "Traffic",
            "panels": [
                {"type": "graph", "title": "Requests", "targets": [{"expr": "rate(x[5m]", "refId": "A"}]}
            ],
        }
    ]
    dashboard = {"title": "Old", "uid": "old", "schemaVersion": 12, "rows": rows}
    resolved = resolve_datasources(normalize(dashboard), [PROMETHEUS], "prometheus", SOURCE)
    report = lint(resolved, SOURCE)
    assert [p.location for p in report.errors] == ['row "Traffic" > panel "Requests" target A']
    assert {p.location for p in report.warnings} == {'row "Traffic" > panel "Requests"', "rows"}


# --- datasource resolution -------------------------------------------------------------------


def resolution_errors(
    ref: Any, declared: tuple[DeclaredDatasource, ...] = ENVIRONMENT, default_uid: str = "prometheus"
) -> list[str]:
    panel = timeseries("Requests", "up")
    panel["datasource"] = ref
    with pytest.raises(DefinitionError) as caught:
        resolve_datasources(normalize(small_dashboard(panels=[panel])), declared, default_uid, SOURCE)
    return [str(p) for p in caught.value.problems]


def test_unknown_datasource_name_is_an_error_naming_file_panel_and_reference() -> None:
    assert resolution_errors("Graphite") == [
        f"{SOURCE}: panel \"Requests\": datasource 'Graphite' matches no datasource declared for this "
        "environment: Prometheus [prometheus, uid prometheus], Loki [loki, uid loki], "
        "CloudWatch [cloudwatch, uid cloudwatch], Alertmanager [alertmanager, uid alertmanager]"
    ]


def test_unknown_datasource_uid_is_an_error() -> None:
    (message,) = resolution_errors({"type": "prometheus", "uid": "P1809F7CD0C75ACF3"})
    assert message.startswith(
        f"{SOURCE}: panel \"Requests\": datasource 'P1809F7CD0C75ACF3' matches no datasource"
    )


def test_reference_to_an_undefined_variable_is_an_error() -> None:
    assert resolution_errors({"type": "prometheus", "uid": "${prom}"}) == [
        f'{SOURCE}: panel "Requests": datasource refers to $prom, which is not a template variable of this dashboard'
    ]


def test_type_mismatch_is_an_error() -> None:
    assert resolution_errors({"type": "loki", "uid": "${datasource}"}) == [
        f'{SOURCE}: panel "Requests": datasource $datasource selects prometheus datasources, the panel expects loki'
    ]


def test_datasource_variable_of_an_undeclared_type_is_an_error() -> None:
    errors = resolution_errors({"type": "prometheus", "uid": "${datasource}"}, (LOKI,), "loki")
    assert errors == [
        f'{SOURCE}: templating.list[0].query: variable "datasource" selects prometheus datasources; '
        "none is declared for this environment: Loki [loki, uid loki]"
    ]


def test_every_reference_form_resolves() -> None:
    panels = [
        timeseries("By name", "up", datasource="prometheus"),
        timeseries("By folded name", "up", datasource="PROMETHEUS"),
        timeseries("Default", "up", datasource=None),
        timeseries("Typed default", "up", datasource={"type": "loki"}),
        timeseries("Placeholder without inputs", "up", datasource="${DS_LOKI}"),
        timeseries("Mixed", "up", datasource="-- Mixed --"),
        timeseries("Variable string", "up", datasource="$datasource"),
        {"type": "text", "title": "Note", "datasource": None},
        {
            "type": "graph",
            "title": "Grafana 4",
            "targets": [{"dsType": "loki", "expr": '{a="b"}', "refId": "A"}],
        },
    ]
    resolved = resolve_datasources(
        normalize(small_dashboard(panels=panels)), ENVIRONMENT, "prometheus", SOURCE
    )
    assert [p["datasource"] for p in resolved["panels"]] == [
        {"type": "prometheus", "uid": "prometheus"},
        {"type": "prometheus", "uid": "prometheus"},
        {"type": "prometheus", "uid": "prometheus"},
        {"type": "loki", "uid": "loki"},
        {"type": "loki", "uid": "loki"},
        {"type": "datasource", "uid": "-- Mixed --"},
        {"type": "prometheus", "uid": "$datasource"},
        None,
        {"type": "loki", "uid": "loki"},
    ]
    assert resolved["templating"]["list"][0]["current"] == {"text": "Prometheus", "value": "prometheus"}


def test_unknown_default_uid_is_an_error() -> None:
    with pytest.raises(DefinitionError, match="default datasource uid 'nope' is not declared"):
        resolve_datasources(small_dashboard(), ENVIRONMENT, "nope", SOURCE)


def test_interpolation_follows_the_position_of_each_variable() -> None:
    variables = {"n": {"name": "n", "type": "custom", "current": {"value": "5"}}}
    assert interpolate('topk($n, x{a=~"$n"}[$n])', variables) == 'topk(5, x{a=~"x"}[5m])'
    assert promql_error("", variables) is None


def test_a_null_panel_target_or_variable_is_an_error_with_its_path() -> None:
    """The Grafana provider crashes on `panels: [null]`; the plan must refuse it first."""
    dashboard = small_dashboard(panels=[timeseries("Requests", "sum(rate(x[5m]))"), None])
    dashboard["panels"][0]["targets"].append(None)
    dashboard["templating"] = {"list": [7]}
    report = lint(dashboard, SOURCE)
    assert messages(report.errors) == [
        f"{SOURCE}: panels[1]: is null, not an object: Grafana cannot load it",
        f"{SOURCE}: panels[0].targets[1]: is null, not an object: Grafana cannot load it",
        f"{SOURCE}: templating.list[0]: is int, not an object: Grafana cannot load it",
    ]
