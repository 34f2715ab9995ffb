"""The canonical form: what normalization removes, keeps and rewrites."""

from __future__ import annotations

import json

from infra.catalog.dashboards import canonical_json, lint, normalize
from tests.catalog.dashboard_support import provider_state, small_dashboard, timeseries


def test_volatile_fields_go_and_the_result_is_a_provider_fixed_point() -> None:
    dashboard = small_dashboard()
    dashboard.update({"id": 42, "version": 17, "iteration": 1700000000000, "__requires": [{"id": "grafana"}]})
    panel = dashboard["panels"][0]
    panel.update({"id": 3, "scopedVars": {"job": {"value": "a"}}, "repeatIteration": 1})
    panel["libraryPanel"] = {"uid": "lib", "name": "Shared", "model": {}, "version": 4, "meta": {}}
    clone = {**timeseries("Requests", "up"), "id": 4, "repeatPanelId": 3}
    row = {
        "type": "row",
        "title": "Row",
        "id": 5,
        "collapsed": True,
        "panels": [{**timeseries("Inner", "up"), "id": 6}],
    }
    dashboard["panels"] += [clone, row]

    normalized = normalize(dashboard)
    assert not {"id", "version", "iteration", "__requires"} & set(normalized)
    assert [p.get("title") for p in normalized["panels"]] == ["Requests", "Row"], (
        "the repeat clone is dropped"
    )
    assert normalized["panels"][0]["libraryPanel"] == {"uid": "lib", "name": "Shared"}
    assert "id" not in normalized["panels"][1]["panels"][0]
    assert not {"id", "scopedVars", "repeatIteration"} & set(normalized["panels"][0])
    assert provider_state(normalized) == json.dumps(normalized, sort_keys=True, separators=(",", ":"))
    assert dashboard["panels"][0]["id"] == 3, "the input is left alone"


def test_numbers_and_angular_keys_are_canonical() -> None:
    dashboard = small_dashboard()
    dashboard["schemaVersion"] = 41.0
    dashboard["panels"][0]["gridPos"] = {"x": 0.0, "y": 0, "w": 12.0, "h": 8, "$$hashKey": "object:12"}
    dashboard["panels"][0]["fieldConfig"] = {"defaults": {"max": 0.95, "min": -0.0}}
    normalized = normalize(dashboard)
    assert normalized["schemaVersion"] == 41 and isinstance(normalized["schemaVersion"], int)
    assert normalized["panels"][0]["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}
    assert normalized["panels"][0]["fieldConfig"]["defaults"] == {"max": 0.95, "min": 0}


def test_stale_variable_options_are_dropped_but_static_ones_kept() -> None:
    dashboard = small_dashboard()
    variables = dashboard["templating"]["list"]
    variables[0]["options"] = [{"text": "Prometheus", "value": "abc"}]
    variables[1]["options"] = [{"text": "api", "value": "api"}]
    never_refreshed = {
        "name": "static",
        "type": "query",
        "refresh": 0,
        "query": "x",
        "options": [{"text": "a", "value": "a"}],
    }
    custom = {"name": "size", "type": "custom", "query": "1,2", "options": [{"text": "1", "value": "1"}]}
    variables += [never_refreshed, custom]
    options = [v["options"] for v in normalize(dashboard)["templating"]["list"]]
    assert options == [[], [], never_refreshed["options"], custom["options"]]


def test_uid_is_made_explicit() -> None:
    dashboard = small_dashboard()
    dashboard["uid"] = None
    assert normalize(dashboard, uid="derived")["uid"] == "derived"
    assert normalize(small_dashboard("kept"), uid="derived")["uid"] == "kept"


def test_canonical_json_is_sorted_indented_and_newline_terminated() -> None:
    text = canonical_json({"b": 1, "a": {"d": "é", "c": [1, 2]}})
    assert text == '{\n  "a": {\n    "c": [\n      1,\n      2\n    ],\n    "d": "é"\n  },\n  "b": 1\n}\n'


def test_collapsed_row_children_are_a_layout_of_their_own() -> None:
    children = [timeseries("Inner A", "up", (0, 1, 12, 8)), timeseries("Inner B", "up", (6, 1, 12, 8))]
    row = {
        "type": "row",
        "title": "Details",
        "collapsed": True,
        "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1},
        "panels": children,
    }
    dashboard = small_dashboard(panels=[timeseries("Top", "up", (0, 0, 24, 8)), row])
    warnings = [str(w) for w in lint(normalize(dashboard), "d.json").warnings]
    assert warnings == [
        'd.json: row "Details" > panel "Inner B": overlaps row "Details" > panel "Inner A": '
        "gridPos x=6 y=1 w=12 h=8 and x=0 y=1 w=12 h=8"
    ]
