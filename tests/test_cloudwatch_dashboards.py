"""CloudWatch dashboards from ``cloudwatch-dashboards/*.json``: loaded, checked, planned per stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR, load_dashboards, render_dashboards
from infra.catalog.inventory import unread_files
from infra.errors import DefinitionError
from obsctl.plan import Plan
from obsctl.runner import PlanFailed, plan_stack
from tests.conftest import PROJECT_DIR, copy_definitions, shared_files

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
SHIPPED = sorted((PROJECT_DIR / DASHBOARDS_DIR).glob("*.json"))
CORPUS = [
    p for p in shared_files(PROJECT_DIR.parent / "shared" / "corpus" / "cloudwatch") if "dashboard" in p.name
]


def test_every_stack_plans_every_dashboard_with_a_canonical_body(stack_plan: Plan) -> None:
    planned = {r.inputs["dashboardName"]: r for r in stack_plan.by_type(DASHBOARD)}
    environment = stack_plan.settings.environment if stack_plan.settings else stack_plan.stack
    assert set(planned) == {f"{environment}-{path.stem}" for path in SHIPPED}
    for resource in planned.values():
        body = resource.inputs["dashboardBody"]
        assert "${" not in body, resource.name
        assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        for widget in json.loads(body)["widgets"]:
            if widget["type"] in ("metric", "log"):
                assert widget["properties"]["region"], (resource.name, widget)


def _root(tmp_path: Path, files: dict[str, Any]) -> Path:
    directory = tmp_path / DASHBOARDS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    for name, document in files.items():
        text = document if isinstance(document, str) else json.dumps(document)
        (directory / name).write_text(text)
    return tmp_path


def _render(root: Path, **resources: str) -> list[Any]:
    return render_dashboards(
        load_dashboards(root),
        environment="prod",
        region="eu-west-1",
        log_group_prefix="/aws/eks/metrics-prod",
        resources=resources,
        stack_file="Pulumi.prod.yaml",
    )


def _metric_widget(*entries: list[Any], **properties: Any) -> dict[str, Any]:
    return {"type": "metric", "properties": {"metrics": list(entries), **properties}}


GOOD = {
    "widgets": [
        _metric_widget(
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "${resources.loadBalancer}"],
            [".", "HTTPCode_Target_5XX_Count", ".", ".", {"stat": "Sum", "yAxis": "right", "id": "errors"}],
            ["...", {"stat": "p99.9"}],
            [{"expression": "errors / 60", "label": "per second"}],
            title="API in ${environment}",
        ),
        {"type": "log", "properties": {"query": "SOURCE '${logGroupPrefix}/application' | limit 5"}},
        {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2, "properties": {"markdown": "# Hello"}},
    ]
}


def test_placeholders_are_filled_and_the_stack_region_is_the_default(tmp_path: Path) -> None:
    (dashboard,) = _render(_root(tmp_path, {"api.json": GOOD}), loadBalancer="app/lb/1")
    body = json.loads(dashboard.body)
    metric, log, _ = body["widgets"]
    assert dashboard.name == "prod-api"
    assert metric["properties"]["metrics"][0][3] == "app/lb/1"
    assert metric["properties"]["title"] == "API in prod"
    assert metric["properties"]["region"] == "eu-west-1"
    assert log["properties"]["query"].startswith("SOURCE '/aws/eks/metrics-prod/application'")


def test_the_output_of_get_dashboard_is_unwrapped(tmp_path: Path) -> None:
    envelope = {
        "DashboardArn": "arn:aws:cloudwatch::1:dashboard/x",
        "DashboardName": "x",
        "DashboardBody": json.dumps(GOOD),
    }
    (dashboard,) = _render(_root(tmp_path, {"api.json": envelope}), loadBalancer="app/lb/1")
    assert len(json.loads(dashboard.body)["widgets"]) == 3


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_dashboard_bodies_people_publish_load_and_render(
    tmp_path: Path, path: Path, shared_dir: Path
) -> None:
    document = json.loads(path.read_text())
    if "Resources" in document:
        pytest.skip("a CloudFormation template: its dashboard comes in through an import, not as a body")
    (dashboard,) = _render(_root(tmp_path, {"published.json": path.read_text()}))
    assert json.loads(dashboard.body)["widgets"]


def _widget(change: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(GOOD))
    change(body)
    return body


@pytest.mark.parametrize(
    ("change", "location", "said"),
    [
        (lambda b: b["widgets"][2].update(type="chart2"), "widgets[2].type", "'chart2' is not one of"),
        (
            lambda b: b["widgets"][2].update(width=25),
            "widgets[2].width",
            "25 is greater than the maximum of 24",
        ),
        (lambda b: b["widgets"][0]["properties"]["metrics"][0].pop(), "metrics[0]", "come in pairs"),
        (
            lambda b: b["widgets"][0]["properties"]["metrics"][1][-1].update(colour="#fff"),
            "metrics[1].colour",
            "not a metric property",
        ),
        (
            lambda b: b["widgets"][0]["properties"]["metrics"][1][-1].update(stat="Avg"),
            "metrics[1].stat",
            "'Avg'",
        ),
        (
            lambda b: b["widgets"][0]["properties"].update(region="us-moon-1"),
            "properties.region",
            "not an AWS region",
        ),
        (
            lambda b: b["widgets"][0]["properties"].update(title="${stack}"),
            "properties.title",
            "${stack} is not a placeholder",
        ),
        (
            lambda b: b["widgets"][1]["properties"].update(query="fields @message"),
            "properties.query",
            "SOURCE",
        ),
        (
            lambda b: b["widgets"][0]["properties"]["metrics"].insert(0, [".", "X"]),
            "metrics[0]",
            "the first entry has none",
        ),
        (
            lambda b: b["widgets"][0]["properties"]["metrics"][1][-1].update(id="Errors"),
            "metrics[1].id",
            "lower-case letter",
        ),
        (
            lambda b: b["widgets"][0]["properties"]["metrics"][3].insert(0, "AWS/EC2"),
            "metrics[3]",
            "not both",
        ),
        (lambda b: b.update(dashboard="x"), "", "Additional properties are not allowed"),
    ],
    ids=[
        "widget-type",
        "width",
        "dimension-pairs",
        "rendering-key",
        "statistic",
        "region",
        "placeholder",
        "log-source",
        "repeat-first",
        "metric-id",
        "metric-and-expression",
        "top-level-key",
    ],
)
def test_each_mistake_is_named_with_its_file_and_place(
    tmp_path: Path, change: Any, location: str, said: str
) -> None:
    root = _root(tmp_path, {"api.json": _widget(change), "fine.json": GOOD})
    with pytest.raises(DefinitionError) as raised:
        load_dashboards(root)
    problems = [p for p in raised.value.problems if p.source == f"{DASHBOARDS_DIR}/api.json"]
    assert problems and all(p.source != f"{DASHBOARDS_DIR}/fine.json" for p in raised.value.problems)
    assert any(location in p.location and said in p.message for p in problems), [str(p) for p in problems]


def test_a_resource_the_stack_does_not_set_names_the_stack_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        _render(_root(tmp_path, {"api.json": GOOD}), loadBalancr="app/lb/1")
    (problem,) = raised.value.problems
    assert problem.source == f"{DASHBOARDS_DIR}/api.json"
    assert (
        "Pulumi.prod.yaml does not set" in problem.message and "did you mean loadBalancr" in problem.message
    )


def test_a_file_no_loader_reads_is_named(tmp_path: Path) -> None:
    root = _root(tmp_path, {"api.json": GOOD, "notes.txt": "x"})
    assert [(p.source, "is not read" in p.message) for p in unread_files(root)] == [
        (f"{DASHBOARDS_DIR}/notes.txt", True)
    ]


def test_an_invalid_dashboard_stops_the_plan_before_any_resource(tmp_path: Path) -> None:
    root = tmp_path / "definitions"
    copy_definitions(root)
    (root / DASHBOARDS_DIR / "broken.json").write_text(
        json.dumps(_widget(lambda b: b["widgets"][2].update(width=0)))
    )
    # The program stops with the problem before registering anything, as under `pulumi up`.
    with pytest.raises(PlanFailed) as raised:
        plan_stack(PROJECT_DIR, "staging", definitions_dir=root)
    assert f"{DASHBOARDS_DIR}/broken.json: widgets[2].width: 0 is less than the minimum of 1" in str(
        raised.value
    )
