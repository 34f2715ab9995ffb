"""Adopting an existing Grafana estate: ``obsctl import dashboard`` then ``obsctl plan``.

Each check of the import ships with the case that proves it bites: a dashboard uid that is a
folder's, InfluxDB variables that must not land on Prometheus, a type no stack declares (the entry
to paste is printed), a Tempo datasource only data links use (never blocks the dashboard).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog.dashboards import (
    DeclaredDatasource,
    adopt_dashboard,
    check_dashboard,
    import_dashboard,
    load_dashboard_text,
)
from infra.errors import DefinitionError
from infra.settings.grafana import GrafanaSettings
from tests.catalog.dashboard_support import CORPUS_DIR, PROMETHEUS, timeseries
from tests.conftest import obsctl_in
from tests.conftest import project_copy as full_project_copy

INFLUXDB = DeclaredDatasource(uid="influxdb", name="InfluxDB", type="influxdb")
TEMPO = DeclaredDatasource(uid="tempo", name="Tempo", type="tempo")
STACK = "Pulumi.staging.yaml"
_ENTRY = re.compile(r"^\s+- \{.*\}$")


# --- helpers -------------------------------------------------------------------------------------

OWN_TYPES = ("prometheus", "loki", "cloudwatch", "alertmanager")
"""The datasource types this project's stacks declare for its own dashboards."""


def project_copy(root: Path) -> Path:
    """The project, as if the corpus had not been imported yet: these tests import it themselves.

    A repository that already adopted the corpus holds its dashboards (matched by title) and the
    datasources they asked for; both are taken out of the copy, so what import prints is the same.
    """
    project = full_project_copy(root)
    titles = {json.loads(p.read_text(encoding="utf-8")).get("title") for p in CORPUS_DIR.glob("*.json")}
    for path in sorted((project / "dashboards").glob("*/*.json")):
        if json.loads(path.read_text(encoding="utf-8")).get("title") in titles:
            path.unlink()
    for folder in (project / "dashboards").iterdir():
        if folder.is_dir() and not any(folder.glob("*.json")):
            for leftover in folder.iterdir():
                leftover.unlink()
            folder.rmdir()
    remaining = " ".join(p.read_text(encoding="utf-8") for p in (project / "dashboards").glob("*/*.json"))
    stack_file = project / STACK
    kept = [
        line
        for line in stack_file.read_text(encoding="utf-8").splitlines()
        if not (
            (match := re.search(r"^\s+- \{.*\btype: ([\w-]+)", line))
            and match[1] not in OWN_TYPES
            and f'"{match[1]}"' not in remaining
        )
    ]
    stack_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return project


def _export(directory: Path, dashboard: dict[str, Any], name: str = "export.json") -> Path:
    path = directory / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    return path


def printed_entries(output: str, stack_file: str = STACK) -> list[str]:
    """The ``- {...}`` lines import printed for ``stack_file`` after an ``action:`` paragraph."""
    lines = output.splitlines()
    return [
        line
        for before, line in itertools.pairwise(lines)
        if _ENTRY.match(line) and before.startswith(f"action: {stack_file} ")
    ]


def paste_entries(project: Path, entries: list[str], stack_file: str = STACK) -> None:
    """What a user does with the printed lines: paste them after the stack's last datasource entry."""
    if not entries:
        return
    path = project / stack_file
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "datasources:")
    last = start
    for index in range(start + 1, len(lines)):
        if not lines[index].lstrip().startswith("- "):
            break
        last = index
    lines[last + 1 : last + 1] = entries
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def adopt_and_plan(project: Path, capsys: pytest.CaptureFixture[str], *files: Path) -> tuple[str, str]:
    """Import ``files`` into ``dashboards/adopted``, paste what import asks for, plan staging."""
    status, imported = obsctl_in(
        project, capsys, "import", "dashboard", *map(str, files), "--to", "dashboards/adopted"
    )
    assert status == 0, imported
    paste_entries(project, printed_entries(imported))
    status, planned = obsctl_in(project, capsys, "plan", "staging")
    assert status == 0, f"{imported}\n{planned[-4000:]}"
    assert "Traceback" not in imported + planned
    return imported, planned


def influx_dashboard() -> dict[str, Any]:
    """Saved by a Grafana whose default datasource was an InfluxDB: nothing names a datasource."""
    return {
        "title": "Influx Events",
        "schemaVersion": 8,
        "panels": [
            {
                "type": "table",
                "title": "Events",
                "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
                "datasource": None,
                "targets": [
                    {
                        "dsType": "influxdb",
                        "query": 'SELECT message FROM "events" WHERE $timeFilter',
                        "rawQuery": True,
                        "refId": "A",
                    }
                ],
            }
        ],
        "templating": {
            "list": [
                {
                    "name": "namespace",
                    "type": "query",
                    "datasource": None,
                    "query": 'SHOW TAG VALUES FROM "events" WITH KEY = "namespace_name"',
                    "refresh": 1,
                }
            ]
        },
    }


def tempo_link_dashboard() -> dict[str, Any]:
    """A Prometheus latency panel whose data link opens the trace in Tempo (a shared export)."""
    panel = timeseries("Latency", "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))")
    panel["datasource"] = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    panel["fieldConfig"] = {
        "defaults": {
            "links": [
                {
                    "title": "Trace",
                    "url": "",
                    "internal": {
                        "datasourceUid": "${DS_TEMPO}",
                        "datasourceName": "Tempo",
                        "query": {"query": "${__value.raw}", "queryType": "traceql"},
                    },
                }
            ]
        },
        "overrides": [],
    }
    panel["links"] = [
        {
            "title": "Explore traces",
            "url": '/explore?left={"datasource":"${DS_TEMPO}","queries":[{"query":"{}"}]}',
        }
    ]
    return {
        "__inputs": [
            {"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"},
            {"name": "DS_TEMPO", "type": "datasource", "pluginId": "tempo"},
        ],
        "__requires": [
            {"type": "datasource", "id": "prometheus"},
            {"type": "datasource", "id": "tempo"},
        ],
        "title": "Checkout Latency",
        "uid": "checkout-latency",
        "schemaVersion": 39,
        "panels": [panel],
    }


# --- the acceptance: every corpus dashboard adopts and plans ------------------------------------


def _corpus(shared_dir: Path) -> list[Path]:
    files = sorted(CORPUS_DIR.glob("*.json"))
    assert files, f"no dashboards in {CORPUS_DIR}"
    return files


@pytest.mark.slow
def test_every_corpus_dashboard_imports_alone_and_the_plan_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    for path in _corpus(shared_dir):
        project = project_copy(tmp_path / path.stem)
        adopt_and_plan(project, capsys, path)


def test_the_whole_corpus_imports_together_and_the_plan_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    imported, _ = adopt_and_plan(project_copy(tmp_path), capsys, *_corpus(shared_dir))
    # heapster's events dashboard queries InfluxDB: import asked for it, and only for it.
    assert printed_entries(imported) == [
        '      - {name: InfluxDB, type: influxdb, uid: influxdb, url: "http://influxdb:8086", '
        "database: telegraf}"
    ]
    # meta-monitoring's loki-logs has uid "logs", the uid of dashboards/logs/.
    assert "uid 'logs' is the uid of folder dashboards/logs/" in imported
    assert "imported with uid 'adopted-loki-logs' instead" in imported


# --- 1. a dashboard uid that is a folder's uid ---------------------------------------------------


def test_a_uid_equal_to_a_folder_uid_is_caught_at_import_and_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_copy(tmp_path / "project")
    panel = timeseries("Up", "up", datasource={"type": "prometheus", "uid": "P1809F7CD0C75ACF3"})
    dashboard = {"title": "Logs Overview", "uid": "logs", "panels": [panel]}
    imported, _ = adopt_and_plan(project, capsys, _export(tmp_path, dashboard))
    assert "uid: uid 'logs' is the uid of folder dashboards/logs/" in imported
    assert "imported with uid 'adopted-logs-overview' instead" in imported
    written = json.loads((project / "dashboards/adopted/logs-overview.json").read_text())
    assert written["uid"] == "adopted-logs-overview"


def test_the_library_import_refuses_a_folder_uid_naming_file_uid_and_folder(tmp_path: Path) -> None:
    (tmp_path / "dashboards" / "logs").mkdir(parents=True)
    export = _export(tmp_path, {"title": "X", "uid": "logs", "panels": []})
    with pytest.raises(DefinitionError) as caught:
        import_dashboard(export, "platform", tmp_path)
    assert str(caught.value) == (
        "downloads/export.json: uid: uid 'logs' is the uid of folder dashboards/logs/ (Grafana gives folders and "
        "dashboards uids from one set, so the deploy would fail): choose another, e.g. 'platform-x', "
        "and set it in the file"
    )


def test_the_target_folder_itself_counts_and_an_explicit_uid_is_never_changed(tmp_path: Path) -> None:
    export = _export(tmp_path, {"title": "Platform", "uid": "platform", "panels": []})
    imported = adopt_dashboard(export, "platform", tmp_path)
    assert imported.uid == "platform-platform"
    with pytest.raises(DefinitionError, match=r"--uid: uid 'team' is the uid of folder dashboards/team/"):
        adopt_dashboard(export, "team", tmp_path, uid="team")


def test_a_new_folder_whose_uid_a_dashboard_holds_is_refused(tmp_path: Path) -> None:
    adopt_dashboard(_export(tmp_path, {"title": "Ops", "uid": "ops", "panels": []}), "platform", tmp_path)
    with pytest.raises(DefinitionError, match=r"--to: dashboards/ops/ would become a Grafana folder"):
        adopt_dashboard(_export(tmp_path, {"title": "Other", "panels": []}, "b.json"), "ops", tmp_path)


# --- 2. InfluxDB variables are never rebound to Prometheus ---------------------------------------


def _checked(dashboard: dict[str, Any], *declared: DeclaredDatasource) -> tuple[dict[str, Any], list[str]]:
    raw = load_dashboard_text(json.dumps(dashboard), "dashboards/platform/x.json", "platform")
    config, report = check_dashboard(raw, declared, declared[0].uid)
    return config, [str(p) for p in report.errors]


def test_an_influxql_variable_without_datasource_is_not_bound_to_prometheus() -> None:
    config, errors = _checked(influx_dashboard(), PROMETHEUS)
    assert config["templating"]["list"][0]["datasource"] is None, "left unbound, not prometheus"
    assert errors[0].startswith(
        "dashboards/platform/x.json: templating.list[0].datasource: names no datasource: in the Grafana "
        "it was saved in, that meant the default datasource, of type influxdb (its query is InfluxQL: "
        'SHOW TAG VALUES FROM "events" WITH KEY = "namespace_name"), never this environment\'s prometheus'
    )
    assert any(
        e.startswith('dashboards/platform/x.json: panel "Events": names no datasource') for e in errors
    )


def test_an_influxql_variable_binds_to_the_declared_influxdb() -> None:
    config, errors = _checked(influx_dashboard(), PROMETHEUS, INFLUXDB)
    assert errors == []
    assert config["templating"]["list"][0]["datasource"] == {"type": "influxdb", "uid": "influxdb"}
    assert config["panels"][0]["datasource"] == {"type": "influxdb", "uid": "influxdb"}


def test_a_typed_influxdb_variable_is_never_bound_to_another_type() -> None:
    dashboard = influx_dashboard()
    dashboard["templating"]["list"][0]["datasource"] = {"type": "influxdb", "uid": "P951FEA4DE68E13C5"}
    _, errors = _checked(dashboard, PROMETHEUS)
    assert any("templating.list[0].datasource" in e and "P951FEA4DE68E13C5" in e for e in errors)


def test_import_writes_the_influxdb_type_into_the_variables(tmp_path: Path) -> None:
    imported = adopt_dashboard(_export(tmp_path, influx_dashboard()), "events", tmp_path)
    model = json.loads(imported.path.read_text())
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["query"] == "influxdb"
    assert variables["namespace"]["datasource"] == {"type": "influxdb", "uid": "${datasource}"}
    assert {(u.plugin, u.kind) for u in imported.datasources} == {("influxdb", "query")}


def test_heapster_events_variables_land_on_influxdb(shared_dir: Path) -> None:
    text = (CORPUS_DIR / "heapster__events.json").read_text()
    config, errors = _checked(json.loads(text), PROMETHEUS, INFLUXDB)
    assert errors == []
    refs = [v["datasource"] for v in config["templating"]["list"]]
    assert refs and all(ref == {"type": "influxdb", "uid": "influxdb"} for ref in refs)


# --- 3. a type no stack declares: the entry to paste ---------------------------------------------


def test_an_undeclared_type_prints_the_entry_to_paste_and_the_pasted_entry_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_copy(tmp_path / "project")
    export = _export(tmp_path, influx_dashboard())
    status, output = obsctl_in(
        project, capsys, "import", "dashboard", str(export), "--to", "dashboards/events"
    )
    assert status == 0
    assert (
        "action: Pulumi.staging.yaml declares no influxdb datasource; dashboards/events/influx-events.json "
        "queries one (templating.list[0].query, templating.list[1].datasource, panels[0].datasource): "
        "the plan fails until it is declared"
    ) in output
    (entry,) = printed_entries(output)
    assert entry == (
        '      - {name: InfluxDB, type: influxdb, uid: influxdb, url: "http://influxdb:8086", database: telegraf}'
    )
    parsed = yaml.safe_load(entry.strip())[0]
    GrafanaSettings.model_validate({"url": "https://g", "datasources": [parsed]})

    status, planned = obsctl_in(project, capsys, "plan", "staging")
    assert status == 1
    assert (
        'dashboards/events/influx-events.json: templating.list[0].query: variable "datasource" selects influxdb'
        in planned
    )
    assert "Traceback" not in planned
    paste_entries(project, [entry])
    status, planned = obsctl_in(project, capsys, "plan", "staging")
    assert status == 0, planned[-3000:]


# --- 4. a Tempo datasource only data links use -----------------------------------------------------


def test_tempo_only_in_data_links_does_not_block_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_copy(tmp_path / "project")
    imported, planned = adopt_and_plan(project, capsys, _export(tmp_path, tempo_link_dashboard()))
    assert printed_entries(imported) == [], "a link-only type is not required"
    assert (
        "note: Pulumi.staging.yaml declares no tempo datasource; dashboards/adopted/checkout-latency.json links to one"
        in imported
    )
    assert '      - {name: Tempo, type: tempo, uid: tempo, url: "http://tempo:3200"}' in imported
    assert (
        "warning: dashboards/adopted/checkout-latency.json: panels[0].fieldConfig.defaults.links[0].internal."
        "datasourceUid: panel \"Latency\": a link opens a tempo datasource ('tempo') this environment does not "
        "declare; the dashboard deploys"
    ) in planned
    model = json.loads((project / "dashboards/adopted/checkout-latency.json").read_text())
    names = [v["name"] for v in model["templating"]["list"]]
    assert names == ["datasource"], "no variable for a type only links use"


def test_tempo_in_data_links_binds_to_the_declared_tempo() -> None:
    raw = load_dashboard_text(json.dumps(tempo_link_dashboard()), "dashboards/platform/x.json", "platform")
    declared = (PROMETHEUS, DeclaredDatasource(uid="traces", name="Traces", type="tempo"))
    config, report = check_dashboard(raw, declared, "prometheus")
    assert report.errors == [] and report.warnings == []
    panel = config["panels"][0]
    assert panel["fieldConfig"]["defaults"]["links"][0]["internal"]["datasourceUid"] == "traces"
    assert panel["fieldConfig"]["defaults"]["links"][0]["internal"]["datasourceName"] == "Traces"
    assert '"datasource":"traces"' in panel["links"][0]["url"]


def test_a_committed_shared_export_with_a_link_only_input_warns_instead_of_failing() -> None:
    raw = load_dashboard_text(json.dumps(tempo_link_dashboard()), "dashboards/platform/x.json", "platform")
    config, report = check_dashboard(raw, (PROMETHEUS,), "prometheus")
    assert report.errors == []
    assert [p.location for p in report.warnings] == [
        "panels[0].links[0].url",
        "panels[0].fieldConfig.defaults.links[0].internal.datasourceUid",
    ]
    assert config["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}


def test_a_queried_tempo_still_needs_declaring() -> None:
    dashboard = tempo_link_dashboard()
    dashboard["panels"][0]["targets"].append(
        {"datasource": {"type": "tempo", "uid": "${DS_TEMPO}"}, "query": "{}", "refId": "B"}
    )
    raw = load_dashboard_text(json.dumps(dashboard), "dashboards/platform/x.json", "platform")
    _, report = check_dashboard(raw, (PROMETHEUS,), "prometheus")
    assert any(p.location == '__inputs[1] "DS_TEMPO"' for p in report.errors)
    _, report = check_dashboard(raw, (PROMETHEUS, TEMPO), "prometheus")
    assert report.errors == []


# --- the datasource types a stack can declare ----------------------------------------------------


def test_old_and_new_plugin_ids_of_one_plugin_match() -> None:
    dashboard = {
        "title": "SQL",
        "panels": [
            {
                "type": "table",
                "title": "Rows",
                "datasource": {"type": "postgres"},
                "targets": [{"rawSql": "select 1", "refId": "A"}],
            }
        ],
    }
    declared = DeclaredDatasource(uid="pg", name="Postgres", type="grafana-postgresql-datasource")
    config, errors = _checked(dashboard, PROMETHEUS, declared)
    assert errors == []
    assert config["panels"][0]["datasource"] == {"type": "grafana-postgresql-datasource", "uid": "pg"}
