"""``obsctl lint``: every definition file checked without a stack, each problem on its file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from obsctl.cli import main
from obsctl.lint import DEFINITION_FOLDERS, KINDS, definition_files
from tests.conftest import PROJECT_DIR, REQUIRE_TOOLS, copy_definitions


def _lint(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["--project-dir", str(project), "lint", *args])
    return status, capsys.readouterr().out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's definitions in a project of their own, to break."""
    copy_definitions(tmp_path, ("drills",))
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    return tmp_path


def _count_definition_files() -> int:
    files = [p for folder in DEFINITION_FOLDERS for p in (PROJECT_DIR / folder).rglob("*")]
    sources = [p.relative_to(PROJECT_DIR).as_posix() for p in files if p.is_file()]
    return sum(1 for source in sources if any(kind.matches(source) for kind in KINDS))


def test_every_definition_of_the_repository_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _lint(PROJECT_DIR, capsys)
    if "not checked by the upstream tool" in out and not REQUIRE_TOOLS:
        pytest.skip("needs promtool and amtool, which `make tools` could not install here")
    assert status == 0, out
    # Warnings stay allowed: an imported export may use panel types Grafana has deprecated.
    assert re.search(
        rf"{_count_definition_files()} definition file\(s\) checked: 0 error\(s\), \d+ warning\(s\)$",
        out.strip(),
    ), out


def _first(project: Path, folder: str, suffix: str) -> Path:
    return sorted((project / folder).rglob(f"*{suffix}"))[0]


def _break_rule_template(project: Path) -> Path:
    # The loader reads annotations as text; only promtool parses the template.
    path = _first(project, "alerts/prometheus", ".yaml")
    document = yaml.safe_load(path.read_text())
    rule = next(r for g in document["groups"] for r in g["rules"] if "alert" in r)
    rule["annotations"]["description"] = "{{ $value | humanize }"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _break_alertmanager_duration(project: Path) -> Path:
    path = project / "alerts" / "alertmanager.yaml"
    document = yaml.safe_load(path.read_text())
    document["route"]["group_wait"] = "soon"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _break_dashboard_json(project: Path) -> Path:
    path = _first(project, "dashboards", ".json")
    path.write_text(path.read_text()[:-10])
    return path


def _break_cloudwatch_key(project: Path) -> Path:
    path = _first(project, "alerts/cloudwatch", ".yaml")
    document = yaml.safe_load(path.read_text())
    next(iter(document.values()))[0]["no_such_key"] = 1
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("breaks", "said"),
    [
        (_break_rule_template, "promtool check rules"),
        (_break_alertmanager_duration, 'not a valid duration string: "soon"'),
        (_break_dashboard_json, ""),
        (_break_cloudwatch_key, "no_such_key"),
    ],
    ids=["rule-template", "alertmanager-duration", "dashboard-json", "cloudwatch-key"],
)
def test_a_broken_file_is_an_error_on_that_file(
    project: Path, capsys: pytest.CaptureFixture[str], breaks: object, said: str
) -> None:
    broken = breaks(project)  # type: ignore[operator]
    source = broken.relative_to(project).as_posix()
    status, out = _lint(project, capsys, str(broken))
    if "not checked by the upstream tool" in out and not REQUIRE_TOOLS:
        pytest.skip("needs promtool and amtool, which `make tools` could not install here")
    assert status == 1
    errors = [line for line in out.splitlines() if line.startswith(f"error: {source}: ")]
    assert errors and said in "\n".join(errors), out
    assert "Traceback" not in out


def test_github_format_annotates_the_file_and_json_lists_every_finding(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _break_cloudwatch_key(project)
    source = broken.relative_to(project).as_posix()
    status, out = _lint(project, capsys, "--format", "github", str(project / "alerts"))
    assert status == 1
    assert any(line.startswith(f"::error file={source},title=obsctl lint::") for line in out.splitlines()), (
        out
    )
    status, out = _lint(project, capsys, "--format", "json")
    document = json.loads(out)
    assert status == 1 and document["checked"] > 0
    errors = [finding for finding in document["findings"] if finding["severity"] == "error"]
    assert any(finding["source"] == source and "no_such_key" in finding["location"] for finding in errors)


def test_a_path_that_is_no_definition_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stray = project / "notes.txt"
    stray.write_text("hello")
    status, out = _lint(project, capsys, str(stray), str(project / "missing.yaml"))
    assert status == 1
    assert "is not a definition file obsctl lints" in out
    assert "missing.yaml: does not exist" in out


def test_only_the_definition_folders_are_walked(project: Path) -> None:
    (project / ".venv").mkdir()
    (project / ".venv" / "x.yaml").write_text("a: 1")
    by_kind, findings = definition_files(project, [project])
    assert findings == []
    assert all(not source.startswith(".venv") for sources in by_kind.values() for source in sources)


def test_a_prometheusrule_manifest_is_checked_in_the_form_the_plan_deploys(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _first(project, "alerts/prometheus", ".yaml")
    groups = yaml.safe_load(path.read_text())["groups"]
    manifest = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": path.stem},
        "spec": {"groups": groups},
    }
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    status, out = _lint(project, capsys, str(path))
    if "not checked by the upstream tool" in out and not REQUIRE_TOOLS:
        pytest.skip("needs promtool, which `make tools` could not install here")
    assert status == 0, out
