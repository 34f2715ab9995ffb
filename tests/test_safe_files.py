"""Safe reading and writing: every hostile or broken file ends in one clear line naming the file and
where in it, within seconds; nothing outside the repository is read as a definition or written; no
existing file is ever left truncated.

Each case runs through the entry point a user runs (``obsctl plan``, ``obsctl dashboard ...``) or
the loader that entry point calls, and checks the message, the absence of a traceback and the time.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.catalog.alertmanager import load_alertmanager
from infra.catalog.dashboards import format_all, import_dashboard, load_dashboard_file
from infra.catalog.datadog import load_catalog as load_datadog_catalog
from infra.catalog.prometheus import load_rule_set
from infra.catalog.safe_files import MAX_FILE_BYTES, read_text, write_atomically
from infra.catalog.strict_json import load_json
from infra.catalog.strict_yaml import MAX_ALIAS_NODES, MAX_NESTING_DEPTH, load_documents
from infra.errors import DefinitionError
from obsctl.base_plan import read_plan_file
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, copy_definitions

DEADLINE = 30
"""Every case ends within this many seconds (the issue's bound); most take well under one."""
BOMB = "\n".join(
    [
        'lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)),
    ]
)
"""A billion laughs: ten lines that expand to 9^10 (3.4 billion) strings."""
DASHBOARD = "dashboards/gateway/gateway-overview.json"


def obsctl(*args: str, project: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process, stopped (and the test failed) past the deadline."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "obsctl.cli", "--project-dir", str(project), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=DEADLINE,
        check=False,
    )
    assert time.monotonic() - started < DEADLINE
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def problems_of(load: object) -> list[str]:
    started = time.monotonic()
    with pytest.raises(DefinitionError) as caught:
        load()  # type: ignore[operator]
    assert time.monotonic() - started < DEADLINE
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the repository's definitions: a root ``obsctl plan --definitions`` reads."""
    root = tmp_path / "repo"
    copy_definitions(root)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files outside the repository that links inside it point to."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    shutil.copy(PROJECT_DIR / DASHBOARD, directory / "dashboard.json")
    (directory / "dashboard.json").write_text(
        json.dumps(json.loads((directory / "dashboard.json").read_text()))
    )
    (directory / "rules.yaml").write_text((PROJECT_DIR / "alerts/prometheus/gateway.yaml").read_text())
    return directory


def _snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(directory.iterdir())}


# -- the stack file ---------------------------------------------------------------------------------


def _stack_project(tmp_path: Path, extra: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, project / name)
    text = (PROJECT_DIR / "Pulumi.staging.yaml").read_text()
    (project / "Pulumi.bad.yaml").write_text(text.replace("config:\n", f"config:\n{extra}", 1))
    return project


def test_an_alias_bomb_in_the_stack_file_is_refused_at_once(tmp_path: Path) -> None:
    bomb = "".join(f"    {line}\n" for line in BOMB.splitlines())
    project = _stack_project(tmp_path, f"  observability:bomb:\n{bomb}")
    result = obsctl("plan", "bad", "--no-policies", project=project)
    assert result.returncode == 1
    assert (
        "error: Pulumi.bad.yaml: line 10, column 11: aliases expand the document by more than "
        f"{MAX_ALIAS_NODES:,} nodes"
    ) in result.stderr


def test_deep_nesting_in_the_stack_file_names_the_line(tmp_path: Path) -> None:
    project = _stack_project(tmp_path, f"  observability:deep: {'[' * 200}{']' * 200}\n")
    assert problems_of(lambda: read_stack_file(project, "bad")) == [
        f"Pulumi.bad.yaml: line 5, column 121: nests mappings and lists more than {MAX_NESTING_DEPTH} "
        "levels deep: refused"
    ]


def test_a_stack_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    project = _stack_project(tmp_path, "")
    os.mkfifo(project / "Pulumi.pipe.yaml")
    result = obsctl("plan", "pipe", "--no-policies", project=project)
    assert "error: Pulumi.pipe.yaml: is a FIFO (named pipe): only regular files are read" in result.stderr


def test_anchors_merges_and_aliases_used_in_moderation_still_load() -> None:
    text = "defaults: &defaults {group_wait: 30s, repeat: 4h}\nroutes:\n  - {<<: *defaults, receiver: a}\n"
    assert load_documents(text, "x.yaml") == [
        {
            "defaults": {"group_wait": "30s", "repeat": "4h"},
            "routes": [{"group_wait": "30s", "repeat": "4h", "receiver": "a"}],
        }
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: !!python/object:os.system x\n",
            "line 1, column 4: is not valid YAML: tag !!python/object:os.system",
        ),
        ("a: !!binary aGk=\n", "line 1, column 4: is not valid YAML: tag !!binary is not supported"),
        ("? [1, 2]\n: 3\n", "line 1, column 3: is not valid YAML: a mapping key must be a scalar"),
        ("a: 0x_\n", "line 1, column 4: is not valid YAML: '0x_' is not an integer"),
        (
            "a: &a [1, *a]\n",
            "line 1, column 4: is not valid YAML: an alias refers to the node that contains it",
        ),
        ("a: \ud800\n", "line 1, column 4: is not valid Unicode text: a lone surrogate"),
    ],
)
def test_yaml_outside_the_json_data_model_is_refused_at_its_line(text: str, expected: str) -> None:
    (problem,) = problems_of(lambda: load_documents(text, "x.yaml"))
    assert problem.startswith(f"x.yaml: {expected}"), problem


def test_timestamps_stay_strings_as_in_go_yaml() -> None:
    assert load_documents("since: 2024-01-31\n", "x.yaml") == [{"since": "2024-01-31"}]


# -- every hostile file under dashboards/ and alerts/, in one plan ------------------------------------


def test_the_plan_names_every_hostile_definition_file(tree: Path, outside: Path) -> None:
    """An alias bomb in alerts/alertmanager.yaml, deep JSON, a lone surrogate in a dashboard title,
    a FIFO and /dev/zero named *.json, links out of the tree, an oversize file and invalid UTF-8."""
    alertmanager = tree / "alerts" / "alertmanager.yaml"
    alertmanager.write_text(f"{BOMB}\n{alertmanager.read_text()}")
    team = tree / "dashboards" / "team"
    team.mkdir()
    (team / "deep.json").write_text('{"title": "deep", "panels": ' + "[" * 150 + "]" * 150 + "}")
    surrogate = json.loads((PROJECT_DIR / DASHBOARD).read_text())
    surrogate["title"] = "Gateway \ud800"
    (team / "surrogate.json").write_text(json.dumps(surrogate))  # ensure_ascii: written as \ud800
    os.mkfifo(team / "pipe.json")
    (team / "zero.json").symlink_to("/dev/zero")
    (team / "linked.json").symlink_to(outside / "dashboard.json")
    (tree / "alerts" / "prometheus" / "linked.yaml").symlink_to(outside / "rules.yaml")
    with (team / "huge.json").open("wb") as sparse:
        sparse.truncate(MAX_FILE_BYTES + 1)
    (tree / "alerts" / "prometheus" / "latin1.yaml").write_bytes(b"groups:\n  - name: caf\xe9\n")

    result = obsctl("plan", "staging", "--definitions", str(tree), "--no-policies")
    assert result.returncode == 1 and "Plan for stack" not in result.stdout
    for expected in (
        "alerts/alertmanager.yaml: line 5, column 7: aliases expand the document by more than",
        "dashboards/team/deep.json: line 1, column 128: nests objects and arrays more than 100 levels",
        "dashboards/team/surrogate.json: title: 'Gateway \\ud800' holds a lone UTF-16 surrogate",
        "dashboards/team/pipe.json: is a FIFO (named pipe): only regular files are read",
        "dashboards/team/zero.json: resolves to /dev/zero, outside the repository (a symlink): refused",
        f"dashboards/team/linked.json: resolves to {outside.resolve()}/dashboard.json, outside the repository",
        f"alerts/prometheus/linked.yaml: resolves to {outside.resolve()}/rules.yaml, outside the repository",
        f"dashboards/team/huge.json: is {MAX_FILE_BYTES + 1:,} bytes: files larger than 8 MiB are not read",
        "alerts/prometheus/latin1.yaml: line 2, column 14 (byte 21): is not UTF-8 text: byte 0xe9",
    ):
        assert f"error: {expected}" in result.stderr, (expected, result.stderr)


def test_an_alias_bomb_in_the_alertmanager_config_is_refused(tree: Path) -> None:
    path = tree / "alerts" / "alertmanager.yaml"
    path.write_text(f"{BOMB}\n{path.read_text()}")
    (problem,) = problems_of(lambda: load_alertmanager(path, tree))
    assert problem.startswith("alerts/alertmanager.yaml: line 5, column 7: aliases expand the document")


def test_a_link_out_of_the_repository_is_refused_in_every_definition_folder(
    tree: Path, outside: Path
) -> None:
    for folder in ("prometheus", "cloudwatch", "datadog"):
        (tree / "alerts" / folder / "linked.yaml").symlink_to(outside / "rules.yaml")
    shutil.move(tree / "alerts/alertmanager.yaml", outside / "alertmanager.yaml")
    (tree / "alerts/alertmanager.yaml").symlink_to(outside / "alertmanager.yaml")
    (tree / "dashboards" / "team").symlink_to(outside, target_is_directory=True)
    elsewhere = outside.resolve()
    result = obsctl("plan", "staging", "--definitions", str(tree), "--no-policies")
    for expected in (
        f"alerts/prometheus/linked.yaml: resolves to {elsewhere}/rules.yaml, outside the repository",
        f"alerts/cloudwatch/linked.yaml: resolves to {elsewhere}/rules.yaml, outside the repository",
        f"alerts/alertmanager.yaml: resolves to {elsewhere}/alertmanager.yaml, outside the repository",
        f"dashboards/team: resolves to {elsewhere}, outside the repository (a symlink): refused",
    ):
        assert f"error: {expected}" in result.stderr, (expected, result.stderr)
    # Datadog is off in staging: its loader, as prod runs it.
    assert f"alerts/datadog/linked.yaml: resolves to {elsewhere}/rules.yaml" in "".join(
        problems_of(lambda: load_datadog_catalog(tree))
    )


def test_links_that_stay_inside_the_repository_are_read(tree: Path) -> None:
    kept = tree / "alerts" / "shared-rules"
    kept.mkdir()
    shutil.move(tree / "alerts/prometheus/gateway.yaml", kept / "gateway.yaml")
    (tree / "alerts/prometheus/gateway.yaml").symlink_to(kept / "gateway.yaml")
    assert "gateway" in {f.name for f in load_rule_set(tree).files}


# -- JSON ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": {"b": 1, "b": 2}}', "x.json: a: key 'b' is defined twice in one object"),
        ('{"a": [' + "[" * 120 + "]" * 120 + "]}", "x.json: line 1, column 106: nests objects and arrays"),
        ("[" * 5000 + "]" * 5000, "x.json: line 1, column 101: nests objects and arrays more than 100"),
        ('{"panels": [{"title": "\\udc00"}]}', "x.json: panels[0].title: '\\udc00' holds a lone UTF-16"),
        ('{"refresh": Infinity}', "x.json: line 1, column 13: Infinity is not valid JSON"),
        ('{"n": ' + "9" * 5000 + "}", "x.json: is not valid JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_json_is_read_strictly_and_the_place_is_named(text: str, expected: str) -> None:
    (problem,) = problems_of(lambda: load_json(text, "x.json"))
    assert problem.startswith(expected), problem


def test_a_surrogate_pair_is_a_character_not_an_error() -> None:
    assert load_json('{"title": "\\ud83d\\ude80 Launch"}', "x.json") == {"title": "\U0001f680 Launch"}


# -- dashboard import and fmt ------------------------------------------------------------------------


def test_import_of_a_broken_export_leaves_the_existing_dashboard_as_it_was(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "dashboards" / "gateway").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", project / "Pulumi.yaml")
    existing = project / DASHBOARD
    shutil.copy(PROJECT_DIR / DASHBOARD, existing)
    before = existing.read_bytes()
    exported = json.loads(before)
    exported["title"] = exported["title"] + " \ud800"  # same uid: a re-import of this dashboard
    export = tmp_path / "Downloads" / "export.json"
    export.parent.mkdir()
    export.write_text(json.dumps(exported))

    result = obsctl("dashboard", "import", str(export), "--folder", "gateway", project=project)
    assert result.returncode == 1
    assert f"error: {export}: title: " in result.stderr and "lone UTF-16 surrogate" in result.stderr
    assert existing.read_bytes() == before
    for bad in (Path("/dev/zero"), tmp_path):
        (problem,) = problems_of(lambda: import_dashboard(bad, "gateway", project))  # noqa: B023
        assert problem.startswith(f"{bad}: is a "), problem
    assert existing.read_bytes() == before
    assert sorted(p.name for p in existing.parent.iterdir()) == ["gateway-overview.json"]


def test_fmt_never_writes_through_a_link_out_of_the_repository(tmp_path: Path, outside: Path) -> None:
    project = tmp_path / "project"
    (project / "dashboards" / "team").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "dashboards" / "team" / "linked.json").symlink_to(outside / "dashboard.json")
    os.mkfifo(project / "dashboards" / "team" / "pipe.json")
    before = _snapshot(outside)

    result = obsctl("dashboard", "fmt", project=project)
    assert result.returncode == 1
    assert "error: dashboards/team/linked.json: resolves to" in result.stderr
    assert "error: dashboards/team/pipe.json: is a FIFO (named pipe)" in result.stderr
    assert _snapshot(outside) == before


def test_fmt_writes_through_a_link_inside_the_repository(tmp_path: Path) -> None:
    """One file reached through a link that stays in the tree: fmt rewrites the file in one rename,
    the link stays a link and the file keeps its mode."""
    target = tmp_path / "kept" / "overview.json"
    target.parent.mkdir()
    target.write_bytes((PROJECT_DIR / DASHBOARD).read_bytes().replace(b"\n", b"\r\n"))
    target.chmod(0o640)
    link = tmp_path / "dashboards" / "gateway" / "gateway-overview.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    assert format_all(tmp_path, check=False) == [link]
    assert link.is_symlink() and target.read_bytes() == (PROJECT_DIR / DASHBOARD).read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- reading and writing files -------------------------------------------------------------------------


def test_an_oversize_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as sparse:
        sparse.truncate(10 * MAX_FILE_BYTES)
    assert problems_of(lambda: read_text(path, "big.yaml")) == [
        f"big.yaml: is {10 * MAX_FILE_BYTES:,} bytes: files larger than 8 MiB are not read"
    ]


def test_invalid_utf8_is_reported_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("a: 1\nbé: ".encode() + b"\xff\n")
    assert problems_of(lambda: read_text(path, "x.yaml")) == [
        "x.yaml: line 2, column 6 (byte 10): is not UTF-8 text: byte 0xff invalid start byte "
        "(save the file as UTF-8)"
    ]


def test_a_plan_file_that_is_a_device_is_refused() -> None:
    assert problems_of(lambda: read_plan_file(Path("/dev/zero"))) == [
        "/dev/zero: is a device: only regular files are read"
    ]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "new \ud800\n")  # fails half-way through writing
    assert path.read_text() == "old\n"

    def no_rename(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    assert problems_of(lambda: write_atomically(path, "new\n")) == [
        f"{path}: cannot be written: No space left on device"
    ]
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    missing = tmp_path / "no-such-folder" / "plan.json"
    assert problems_of(lambda: write_atomically(missing, "{}")) == [
        f"{missing}: cannot be written: No such file or directory"
    ]


def test_a_write_keeps_the_mode_and_never_leaves_the_tree(tmp_path: Path, outside: Path) -> None:
    path = tmp_path / "repo" / "a.json"
    path.parent.mkdir()
    path.write_text("{}\n")
    path.chmod(0o600)
    write_atomically(path, "[]\n", inside=tmp_path / "repo")
    assert path.read_text() == "[]\n" and stat.S_IMODE(path.stat().st_mode) == 0o600

    link = tmp_path / "repo" / "linked.json"
    link.symlink_to(outside / "dashboard.json")
    before = _snapshot(outside)
    assert problems_of(lambda: write_atomically(link, "{}\n", inside=tmp_path / "repo")) == [
        f"linked.json: resolves to {outside.resolve()}/dashboard.json, outside the repository (a symlink): "
        "refused, definitions live in the repository"
    ]
    assert _snapshot(outside) == before


def test_every_dashboard_of_the_repository_still_loads() -> None:
    for path in sorted((PROJECT_DIR / "dashboards").rglob("*.json")):
        load_dashboard_file(path, PROJECT_DIR)
