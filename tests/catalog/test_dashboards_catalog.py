"""Loading a dashboards/ tree: file errors, identity rules across the repository, folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.catalog.dashboards import load_catalog, load_dashboard_file
from infra.errors import DefinitionError
from tests.catalog.dashboard_support import ENVIRONMENT, small_dashboard, timeseries, write_dashboard


def problems(root: Path, **kwargs: object) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_catalog(root, ENVIRONMENT, "prometheus", **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_folders_and_dashboards_are_loaded(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "gateway/a.json", small_dashboard("a", "A"))
    write_dashboard(tmp_path, "external-metrics/b.json", small_dashboard("b", "B"))
    write_dashboard(tmp_path, "general/home.json", small_dashboard("home", "Home"))
    catalog = load_catalog(tmp_path, ENVIRONMENT, "prometheus", {"gateway": "MCP Gateway"})
    assert {slug: (f.title, f.uid) for slug, f in catalog.folders.items()} == {
        "external-metrics": ("External Metrics", "external-metrics"),
        "gateway": ("MCP Gateway", "gateway"),
    }
    assert [(d.uid, d.folder, d.source) for d in catalog.dashboards] == [
        ("b", "external-metrics", "dashboards/external-metrics/b.json"),
        ("a", "gateway", "dashboards/gateway/a.json"),
        ("home", "general", "dashboards/general/home.json"),
    ]
    assert catalog.warnings == ()


def test_duplicate_uid_across_folders_is_an_error_naming_both_files(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team-a/one.json", small_dashboard("shared-uid", "One"))
    write_dashboard(tmp_path, "team-b/two.json", small_dashboard("shared-uid", "Two"))
    assert problems(tmp_path) == [
        "dashboards/team-b/two.json: uid: uid 'shared-uid' is already used by dashboards/team-a/one.json"
    ]


def test_uid_of_a_folder_cannot_be_reused_by_a_dashboard(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "gateway/x.json", small_dashboard("gateway", "X"))
    assert problems(tmp_path) == [
        "dashboards/gateway/x.json: uid: uid 'gateway' is already used by folder dashboards/gateway/ "
        "(Grafana gives folders and dashboards uids from one set); set another uid in the file, e.g. "
        "'gateway-x', or re-import it with `obsctl import dashboard`, which derives one"
    ]


def test_duplicate_title_in_a_folder_is_an_error(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team/one.json", small_dashboard("one", "Latency"))
    write_dashboard(tmp_path, "team/two.json", small_dashboard("two", "latency"))
    write_dashboard(tmp_path, "other/three.json", small_dashboard("three", "Latency"))
    assert problems(tmp_path) == [
        "dashboards/team/two.json: title: title 'latency' is already used in folder 'team' by dashboards/team/one.json"
    ]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    write_dashboard(
        tmp_path, "team/promql.json", small_dashboard("p", "P", [timeseries("Rate", "rate(x[5m]")])
    )
    write_dashboard(tmp_path, "team/var.json", small_dashboard("v", "V", [timeseries("Up", 'up{job="$jb"}')]))
    (tmp_path / "dashboards" / "team" / "broken.json").write_text('{"title": "B",\n "panels": [}\n')
    (tmp_path / "dashboards" / "loose.json").write_text("{}")
    (tmp_path / "dashboards" / "a" / "b").mkdir(parents=True)
    (tmp_path / "dashboards" / "a" / "b" / "deep.json").write_text("{}")
    assert problems(tmp_path) == [
        "dashboards/a/b/deep.json: dashboards live at dashboards/<folder>/<name>.json",
        "dashboards/loose.json: dashboards live at dashboards/<folder>/<name>.json",
        "dashboards/team/broken.json: line 2, column 13: invalid JSON: Expecting value",
        'dashboards/team/promql.json: panel "Rate" target A: PromQL does not parse: unclosed left parenthesis',
        'dashboards/team/var.json: panel "Up" target A: uses $jb, which is not a template variable (defined: $datasource, $job)',
    ]


def test_missing_uid_is_derived_from_the_path_with_a_warning(tmp_path: Path) -> None:
    dashboard = small_dashboard()
    del dashboard["uid"]
    write_dashboard(tmp_path, "team/no-uid.json", dashboard)
    catalog = load_catalog(tmp_path, ENVIRONMENT, "prometheus")
    assert catalog.dashboards[0].uid == "team-no-uid"
    assert [str(w) for w in catalog.warnings] == [
        "dashboards/team/no-uid.json: uid: the file sets no uid; using 'team-no-uid' (`obsctl dashboard fmt` writes it in)"
    ]


def test_invalid_uid_is_an_error(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team/bad.json", small_dashboard("not a uid!", "Bad"))
    assert problems(tmp_path) == [
        "dashboards/team/bad.json: uid: uid 'not a uid!' must be 1-40 letters, digits, '-' or '_'"
    ]


def test_links_to_unknown_dashboards_are_warnings(tmp_path: Path) -> None:
    home = small_dashboard("home", "Home")
    home["links"] = [
        {"type": "link", "title": "Gone", "url": "/d/gone?orgId=1"},
        {"type": "link", "title": "Ok", "url": "/d/home"},
    ]
    write_dashboard(tmp_path, "general/home.json", home)
    catalog = load_catalog(tmp_path, ENVIRONMENT, "prometheus")
    assert [str(w) for w in catalog.warnings] == [
        "dashboards/general/home.json: links: links to /d/gone, which is no dashboard here"
    ]


def test_folder_title_overrides_must_name_existing_folders(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "team/a.json", small_dashboard("a", "A"))
    assert problems(tmp_path, folder_titles={"teams": "Typo"}) == [
        "observability:grafana: folders.teams: no directory dashboards/teams/ holds dashboards"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "dashboards/team/x.json: the file is empty"),
        (b"[1, 2]", "dashboards/team/x.json: expected a dashboard JSON object, found a JSON array"),
        (
            b'{"title": "x", "refresh": NaN}',
            "dashboards/team/x.json: line 1, column 27: NaN is not valid JSON "
            "(Go's encoding/json and browsers reject it): use null or a number",
        ),
        (b'{"panels": []}', "dashboards/team/x.json: title: a dashboard needs a non-empty title"),
        (
            b'{"dashboard": [], "overwrite": true}',
            "dashboards/team/x.json: dashboard: an API payload's dashboard must be a JSON object",
        ),
        (
            b'{"title": "caf\xe9"}',
            "dashboards/team/x.json: line 1, column 15 (byte 14): is not UTF-8 text: byte 0xe9 "
            "invalid continuation byte (save the file as UTF-8)",
        ),
    ],
)
def test_unreadable_files_are_errors_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "dashboards" / "team" / "x.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(DefinitionError) as caught:
        load_dashboard_file(path, tmp_path)
    assert [str(p) for p in caught.value.problems] == [message]


def test_an_upper_case_folder_is_rejected(tmp_path: Path) -> None:
    write_dashboard(tmp_path, "Team/a.json", small_dashboard())
    assert problems(tmp_path) == [
        "dashboards/Team/a.json: folder name 'Team' must be lowercase letters, digits and hyphens (it becomes the folder uid)"
    ]


def test_the_config_is_what_the_file_says_once_resolved(tmp_path: Path) -> None:
    dashboard = small_dashboard()
    dashboard.update({"id": 7, "version": 12, "iteration": 1712})
    write_dashboard(tmp_path, "team/a.json", dashboard)
    config = load_catalog(tmp_path, ENVIRONMENT, "prometheus").dashboards[0].config
    assert not {"id", "version", "iteration"} & set(config)
    assert json.loads(json.dumps(config))["panels"][0]["targets"] == dashboard["panels"][0]["targets"]
