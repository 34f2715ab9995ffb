"""``obsctl dashboard fmt`` and ``obsctl dashboard import`` as library functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from infra.catalog.dashboards import format_all, import_dashboard, load_catalog
from infra.errors import DefinitionError
from tests.catalog.dashboard_support import (
    CORPUS_DIR,
    ENVIRONMENT,
    INFLUXDB,
    small_dashboard,
    write_dashboard,
)


def test_fmt_check_fails_on_a_key_reorder_and_fmt_fixes_it(tmp_path: Path) -> None:
    path = write_dashboard(tmp_path, "team/a.json", small_dashboard())
    format_all(tmp_path, check=False)
    assert format_all(tmp_path, check=True) == []
    canonical = path.read_text()

    reordered = dict(reversed(list(json.loads(canonical).items())))
    path.write_text(json.dumps(reordered, indent=2, ensure_ascii=False) + "\n")
    assert format_all(tmp_path, check=True) == [path]
    assert path.read_text() != canonical, "check leaves the file alone"
    assert format_all(tmp_path, check=False) == [path]
    assert path.read_text() == canonical
    assert format_all(tmp_path, check=True) == []


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.rstrip("\n"),
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text.replace('"schemaVersion": 41', '"schemaVersion": 41.0'),
        lambda text: text.replace("  ", "    "),
        lambda text: text.replace('"title": "Small",', '"title": "Small",\n  "version": 3,'),
    ],
    ids=["no-final-newline", "crlf", "float-number", "4-space-indent", "volatile-version"],
)
def test_fmt_check_catches_every_non_canonical_detail(tmp_path: Path, edit: object) -> None:
    path = write_dashboard(tmp_path, "team/a.json", small_dashboard())
    format_all(tmp_path, check=False)
    path.write_bytes(edit(path.read_text()).encode())  # type: ignore[operator]
    assert format_all(tmp_path, check=True) == [path]


def test_fmt_pins_a_derived_uid(tmp_path: Path) -> None:
    dashboard = small_dashboard()
    del dashboard["uid"]
    path = write_dashboard(tmp_path, "team/latency.json", dashboard)
    format_all(tmp_path, check=False)
    assert json.loads(path.read_text())["uid"] == "team-latency"


def test_fmt_reports_unloadable_files_and_still_formats_the_others(tmp_path: Path) -> None:
    good = write_dashboard(tmp_path, "team/good.json", small_dashboard())
    (tmp_path / "dashboards" / "team" / "bad.json").write_text("{")
    with pytest.raises(DefinitionError, match=r"dashboards/team/bad.json: line 1, column 2: invalid JSON"):
        format_all(tmp_path, check=False)
    assert format_all(tmp_path / "nowhere", check=True) == []
    assert good.read_text().startswith('{\n  "panels"')


def _export(tmp_path: Path, dashboard: Mapping[str, Any], name: str = "export.json") -> Path:
    path = tmp_path / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    return path


def test_import_of_a_shared_export_maps_placeholders_to_the_datasource_variable(
    tmp_path: Path, shared_dir: Path
) -> None:
    exported = _export(tmp_path, json.loads((CORPUS_DIR / "ingress-nginx__nginx.json").read_text()))
    written = import_dashboard(exported, "ingress", tmp_path)

    assert written == tmp_path / "dashboards" / "ingress" / "nginx-ingress-controller.json"
    text = written.read_text()
    assert "${DS_" not in text and "__inputs" not in text and "__requires" not in text
    model = json.loads(text)
    assert model["uid"] == "nginx"
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert "DS_PROMETHEUS" not in variables, "the export's own DS_PROMETHEUS variable became $datasource"
    assert format_all(tmp_path, check=True) == []
    catalog = load_catalog(tmp_path, ENVIRONMENT, "prometheus")
    assert [d.uid for d in catalog.dashboards] == ["nginx"]


def test_import_creates_one_variable_per_datasource_type(tmp_path: Path) -> None:
    dashboard = {
        "__inputs": [
            {"name": "DS_PROM-EU", "type": "datasource", "pluginId": "prometheus"},
            {"name": "DS_LOGS", "type": "datasource", "pluginId": "loki"},
        ],
        "title": "Mixed Sources",
        "panels": [
            {
                "type": "timeseries",
                "title": "Up",
                "datasource": "${DS_PROM-EU}",
                "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                "targets": [{"expr": "up", "refId": "A"}],
            },
            {
                "type": "logs",
                "title": "Logs",
                "datasource": {"type": "loki", "uid": "${DS_LOGS}"},
                "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                "targets": [{"expr": '{app="x"}', "refId": "A"}],
            },
        ],
    }
    model = json.loads(import_dashboard(_export(tmp_path, dashboard), "team", tmp_path).read_text())
    assert [(v["name"], v["query"]) for v in model["templating"]["list"]] == [
        ("datasource", "prometheus"),
        ("loki_datasource", "loki"),
    ]
    assert [p["datasource"] for p in model["panels"]] == [
        {"type": "prometheus", "uid": "${datasource}"},
        {"type": "loki", "uid": "${loki_datasource}"},
    ]
    assert model["uid"] == "team-mixed-sources"
    catalog = load_catalog(tmp_path, ENVIRONMENT, "prometheus")
    assert catalog.warnings == ()


def test_import_makes_instance_specific_references_portable(tmp_path: Path, shared_dir: Path) -> None:
    exported = _export(tmp_path, json.loads((CORPUS_DIR / "govuk__router-requests.json").read_text()))
    model = json.loads(import_dashboard(exported, "router", tmp_path).read_text())
    refs = {json.dumps(p["datasource"], sort_keys=True) for p in model["panels"]}
    assert refs == {'{"type": "prometheus", "uid": "${datasource}"}'}


def test_reimport_rewrites_the_same_file(tmp_path: Path) -> None:
    dashboard = small_dashboard("stable-uid", "First Title")
    first = import_dashboard(_export(tmp_path, dashboard), "team", tmp_path)
    dashboard["title"] = "Renamed In The UI"
    second = import_dashboard(_export(tmp_path, dashboard), "team", tmp_path)
    assert second == first
    assert json.loads(first.read_text())["title"] == "Renamed In The UI"


def test_import_refuses_a_uid_committed_in_another_folder(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team-a/x.json", small_dashboard("taken", "X"))
    with pytest.raises(
        DefinitionError,
        match=r"already committed as dashboards/team-a/x.json; import it into that folder \(obsctl import dashboard --to dashboards/team-a, obsctl dashboard import --folder team-a\)",
    ):
        import_dashboard(_export(tmp_path, small_dashboard("taken", "X")), "team-b", tmp_path)


def test_import_refuses_to_overwrite_another_dashboard(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team/latency.json", small_dashboard("one", "Latency"))
    with pytest.raises(
        DefinitionError, match=r"dashboards/team/latency.json already holds another dashboard"
    ):
        import_dashboard(_export(tmp_path, small_dashboard("two", "Latency")), "team", tmp_path)


def test_import_rejects_a_bad_folder_name(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"--folder: 'My Team': use lowercase"):
        import_dashboard(_export(tmp_path, small_dashboard()), "My Team", tmp_path)


def test_every_corpus_dashboard_imports_into_a_portable_canonical_file(
    tmp_path: Path, shared_dir: Path
) -> None:
    corpus = sorted(CORPUS_DIR.glob("*.json"))
    written = [import_dashboard(path, "imported", tmp_path) for path in corpus]
    assert len(set(written)) == len(corpus)
    assert format_all(tmp_path, check=True) == []
    for path in written:
        text = path.read_text()
        assert "${DS_" not in text and "__inputs" not in text, path.name
    catalog = load_catalog(tmp_path, (*ENVIRONMENT, INFLUXDB), "prometheus")
    assert len(catalog.dashboards) == len(corpus)
    # The one real bug in the corpus: an annotation filtering on a variable the dashboard lacks.
    assert 'annotation "Deployments"' in [p.location for p in catalog.warnings]
