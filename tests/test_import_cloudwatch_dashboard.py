"""``obsctl import cloudwatch-dashboard``: console sources and get-dashboard output in, canonical files out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.catalog.cloudwatch.dashboards import DASHBOARDS_DIR
from tests.conftest import PROJECT_DIR, obsctl_in, project_copy, shared_files

BODY = {
    "widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "hi"}}]
}
CORPUS = [
    p
    for p in shared_files(PROJECT_DIR.parent / "shared" / "corpus" / "cloudwatch")
    if p.name.startswith("awsutils")
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


def _import(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    return obsctl_in(project, capsys, "import", "cloudwatch-dashboard", *args)


def test_get_dashboard_output_is_written_canonically_under_its_name(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "exported.json"
    source.write_text(json.dumps({"DashboardName": "Ops Overview", "DashboardBody": json.dumps(BODY)}))
    status, output = _import(project, capsys, str(source))
    assert status == 0, output
    written = project / DASHBOARDS_DIR / "Ops-Overview.json"
    assert f"wrote {DASHBOARDS_DIR}/Ops-Overview.json" in output
    assert written.read_text() == json.dumps(BODY, indent=2, sort_keys=True) + "\n"
    status, output = _import(project, capsys, str(source))
    assert status == 1 and "exists: pass --force" in output


def test_a_body_cloudwatch_would_refuse_is_not_written(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "wide.json"
    source.write_text(json.dumps({"widgets": [{**BODY["widgets"][0], "width": 30}]}))
    status, output = _import(project, capsys, str(source))
    assert status == 1
    assert f"{source}: widgets[0].width: 30 is greater than the maximum of 24" in output
    assert not (project / DASHBOARDS_DIR / "wide.json").exists()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_published_bodies_import(
    project: Path, path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    status, output = _import(project, capsys, str(path), "--force")  # already imported: same file
    assert status == 0, output
    assert (project / DASHBOARDS_DIR / f"{path.stem}.json").is_file()
