"""Grafana as planned: folders, datasources and dashboards; the import and fmt workflow end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from obsctl.cli import main as obsctl_main
from obsctl.plan import Plan, Secret
from obsctl.runner import plan_stack
from tests.conftest import PROJECT_DIR, run_obsctl

DASHBOARD = "grafana:oss/dashboard:Dashboard"
BUILT_IN_OR_VARIABLE = {
    "grafana",
    "-- Grafana --",
    "-- Mixed --",
    "-- Dashboard --",
    "${datasource}",
    "$datasource",
}


def _datasource_uids(value: object) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        ref = value.get("datasource")
        if isinstance(ref, dict) and isinstance(ref.get("uid"), str):
            found.add(ref["uid"])
        for item in value.values():
            found |= _datasource_uids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _datasource_uids(item)
    return found


def _datasource_variables(model: dict) -> set[str]:
    """References through a datasource-type template variable, which Grafana resolves at view time."""
    names = [v["name"] for v in model.get("templating", {}).get("list", []) if v.get("type") == "datasource"]
    return {f"${name}" for name in names} | {f"${{{name}}}" for name in names}


def test_prod_plans_folders_datasources_and_every_shipped_dashboard(prod_plan: Plan) -> None:
    shipped = {json.loads(p.read_text())["uid"] for p in (PROJECT_DIR / "dashboards").rglob("*.json")}
    planned = {json.loads(d.inputs["configJson"])["uid"]: d for d in prod_plan.by_type(DASHBOARD)}
    assert set(planned) == shipped
    folders = {f.inputs["uid"] for f in prod_plan.by_type("grafana:oss/folder:Folder")}
    assert folders >= {"gateway", "platform", "external-metrics", "logs"}  # and those a team adds
    datasources = {d.inputs["uid"] for d in prod_plan.by_type("grafana:oss/dataSource:DataSource")}
    for uid, dashboard in planned.items():
        config = dashboard.inputs["configJson"]
        assert "${DS_" not in config, uid
        assert "id" not in json.loads(config) and "version" not in json.loads(config), uid
        model = json.loads(config)
        variables = {
            form.format(v["name"])
            for v in (model.get("templating") or {}).get("list") or []
            if v.get("type") == "datasource"
            for form in ("${{{}}}", "${}")
        }
        references = _datasource_uids(model) - BUILT_IN_OR_VARIABLE - variables
        assert references <= datasources, (uid, references - datasources)


def test_grafana_provider_auth_is_secret(prod_plan: Plan) -> None:
    (provider,) = prod_plan.by_type("pulumi:providers:grafana")
    assert isinstance(provider.inputs["auth"], Secret)


def test_every_corpus_dashboard_imports_and_the_stack_then_plans(tmp_path: Path, shared_dir: Path) -> None:
    root = tmp_path / "definitions"
    shutil.copytree(PROJECT_DIR / "alerts", root / "alerts")
    (root / "dashboards").mkdir()
    (root / "Pulumi.yaml").write_text("name: scratch\n")
    corpus = sorted((shared_dir / "corpus" / "grafana-dashboards").glob("*.json"))
    for exported in corpus:
        # The CLI's own entry point, in-process: 18 interpreter start-ups would dominate the suite.
        code = obsctl_main(
            ["--project-dir", str(root), "dashboard", "import", str(exported), "--folder", "imported"]
        )
        assert code == 0, exported.name
    grafana = {
        "url": "https://grafana.example.com",
        "datasources": [
            {
                "name": "Prometheus",
                "type": "prometheus",
                "uid": "prometheus",
                "url": "http://prometheus:9090",
                "isDefault": True,
            },
            {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100"},
            {
                "name": "InfluxDB",
                "type": "influxdb",
                "uid": "influxdb",
                "url": "http://influxdb:8086",
                "database": "k8s",
            },
        ],
    }
    plan = plan_stack(
        PROJECT_DIR,
        "staging",
        definitions_dir=root,
        config={"observability:grafana": json.dumps(grafana)},
        secrets={
            "observability:grafanaAuth": "x",
            "observability:alertWebhookUrl": "https://hooks.example.com/x",
        },
    )
    dashboards = plan.by_type(DASHBOARD)
    assert len(dashboards) == len(corpus)
    for dashboard in dashboards:
        config = dashboard.inputs["configJson"]
        assert "${DS_" not in config, dashboard.name
        unresolved = _datasource_uids(json.loads(config)) - {"prometheus", "loki", "influxdb"}
        unresolved -= BUILT_IN_OR_VARIABLE | _datasource_variables(json.loads(config))
        assert not unresolved, (dashboard.name, unresolved)


def test_fmt_check_passes_on_the_repository_and_fails_after_a_key_reorder(tmp_path: Path) -> None:
    assert run_obsctl("dashboard", "fmt", "--check").returncode == 0
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "dashboards", project / "dashboards")
    (project / "Pulumi.yaml").write_text("name: scratch\n")
    target = next((project / "dashboards").rglob("*.json"))
    model = json.loads(target.read_text())
    target.write_text(json.dumps(dict(reversed(list(model.items()))), indent=2) + "\n")
    result = run_obsctl("--project-dir", str(project), "dashboard", "fmt", "--check")
    assert result.returncode == 1
    assert target.name in result.stdout
    assert run_obsctl("--project-dir", str(project), "dashboard", "fmt").returncode == 0
    assert run_obsctl("--project-dir", str(project), "dashboard", "fmt", "--check").returncode == 0


def test_the_grafana_provider_waits_for_the_grafana_it_manages(stack_plan: Plan) -> None:
    (provider,) = stack_plan.by_type("pulumi:providers:grafana")
    releases = {
        r.name
        for r in stack_plan.by_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "kube-prometheus-stack"
    }
    if not releases:
        pytest.skip(f"{stack_plan.stack} deploys no Grafana of its own")
    assert releases <= set(provider.depends_on)
    for dashboard in stack_plan.by_type(DASHBOARD):
        assert dashboard.provider == provider.name
