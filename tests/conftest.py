"""Shared fixtures: each stack is planned once per test session, through the real program."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

from obsctl.cli import COLLECTION_THRESHOLDS
from obsctl.plan import Plan
from obsctl.runner import plan_stack

# The suite plans hundreds of stacks in one process: collected as the CLI collects (see obsctl.cli.run).
gc.set_threshold(*COLLECTION_THRESHOLDS)

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
"""Not resolved: where ../shared is a symlink, paths in messages stay ../shared/..."""
STACKS = tuple(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")))
"""Every stack file in the repository: a new environment is planned by the suite without edits."""
SENTINEL = "5ec2e75e7f0a11ed0bad5ec2e75e7f0a"
"""Every secret of the session's plans holds it, to prove it is never exposed. 32 hex digits: a
Datadog API key, a PagerDuty key and a password as it is, and inside every other shape the program
checks secrets against (a webhook URL, a 40-digit key: see infra/secret_shapes.py)."""


def required_secret_keys(stack: str) -> list[str]:
    """The secret config keys (without namespace) a shipped stack requires."""
    from infra.config import load_settings, required_secrets
    from obsctl.stackfile import read_stack_file

    return [spec.key for spec in required_secrets(load_settings(read_stack_file(PROJECT_DIR, stack).raw))]


def stand_in_secrets(stack: str, marker: str = SENTINEL, root: Path = PROJECT_DIR) -> dict[str, str]:
    """Every secret a shipped stack requires (full keys), of the shape its consumers check,
    built around ``marker`` (32 hex digits); ``root`` holds the alerts/ the stack is planned with."""
    from infra.catalog.alertmanager import CONFIG_FILE, load_alertmanager
    from infra.config import load_settings
    from infra.secret_shapes import stand_in_secrets as shaped
    from obsctl.stackfile import read_stack_file

    settings = load_settings(read_stack_file(PROJECT_DIR, stack).raw)
    path = root / CONFIG_FILE
    alertmanager = load_alertmanager(path, root) if settings.monitoring_cluster and path.is_file() else None
    return {f"observability:{key}": value for key, value in shaped(settings, alertmanager, marker).items()}


@cache
def planned(stack: str) -> Plan:
    """The plan of a shipped stack, with every required secret set around :data:`SENTINEL`."""
    return plan_stack(PROJECT_DIR, stack, secrets=stand_in_secrets(stack))


@pytest.fixture
def prod_fixture(prod_plan: Plan) -> Plan:
    """A private copy of the prod plan that a test may break (see tests/policy_fixtures.py)."""
    from tests.policy_fixtures import fixture_plan

    return fixture_plan(prod_plan)


@pytest.fixture
def staging_fixture(staging_plan: Plan) -> Plan:
    from tests.policy_fixtures import fixture_plan

    return fixture_plan(staging_plan)


@pytest.fixture(scope="session", params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> Plan:
    return planned(request.param)


@pytest.fixture(scope="session")
def staging_plan() -> Plan:
    return planned("staging")


@pytest.fixture(scope="session")
def prod_plan() -> Plan:
    return planned("prod")


DEFINITION_FOLDERS = ("alerts", "dashboards", "cloudwatch-dashboards", "cloudwatch-queries", "metrics")
"""The folders the program reads definitions from (drills/ is read by `obsctl drill`)."""


def copy_definitions(root: Path, extra: tuple[str, ...] = ()) -> Path:
    """The repository's definitions (and ``extra`` folders) under ``root``, to plan or break a copy."""
    for folder in (*DEFINITION_FOLDERS, *extra):
        if (PROJECT_DIR / folder).is_dir():
            shutil.copytree(PROJECT_DIR / folder, root / folder)
    return root


def drop_earlier_imports(folder: Path, sources: Iterable[Path]) -> None:
    """Removes from ``folder`` (in a copy) what importing ``sources`` under their default names wrote
    before: a test that imports corpus files then works the same in a repository that already did."""

    def key(stem: str) -> str:
        return stem.lower().replace("__", "-").replace("_", "-")

    stems = {key(source.stem) for source in sources}
    for path in list(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and key(path.stem) in stems:
            path.unlink()


def project_copy(root: Path, stacks: tuple[str, ...] = ("staging",)) -> Path:
    """The program, the stack files of ``stacks`` and every definition folder, under ``root``."""
    copy_definitions(root)
    for name in ("Pulumi.yaml", "__main__.py", *(f"Pulumi.{stack}.yaml" for stack in stacks)):
        (root / name).write_text((PROJECT_DIR / name).read_text())
    return root


def obsctl_in(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``obsctl --project-dir PROJECT ARGS`` in this process: exit status, then stdout and stderr."""
    from obsctl.cli import main

    status = main(["--project-dir", str(project), *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


NO_SHARED = "needs ../shared (the reference corpus and schemas beside the repository), which is absent"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference material; a test that needs it is skipped, with one line, on a plain clone."""
    if not SHARED_DIR.is_dir():
        pytest.skip(NO_SHARED)
    return SHARED_DIR


def shared_files(directory: Path, pattern: str = "*") -> list[Path]:
    """Files of a folder under ../shared, for parametrize: none on a plain clone (those tests skip)."""
    return sorted(p for p in directory.glob(pattern) if p.is_file()) if directory.is_dir() else []


def run_obsctl(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess[str]:
    """The installed CLI, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "obsctl.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )


@pytest.fixture
def scratch_project(tmp_path: Path) -> Callable[[str, str], Path]:
    """A copy of the project's program with one extra stack file, for bad-input cases."""

    def make(stack: str, stack_yaml: str) -> Path:
        for name in ("Pulumi.yaml", "__main__.py"):
            (tmp_path / name).write_text((PROJECT_DIR / name).read_text())
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_yaml)
        return tmp_path

    return make


REQUIRE_TOOLS = os.environ.get("OBSCTL_REQUIRE_TOOLS") == "1"
"""Set by CI (.ci/run): every upstream tool must be there, so a test never skips for want of one."""


def _skip_for_missing_tools(outcome) -> None:  # type: ignore[no-untyped-def]
    """A test (or fixture) that needs promtool, amtool, prometheus, alertmanager or actionlint where
    `make tools` could not install them is skipped with the tool named (pytest -ra lists every one)."""
    from infra.catalog.upstream_tools import MissingToolError

    error = outcome.excinfo[1] if outcome.excinfo else None
    if isinstance(error, MissingToolError) and not REQUIRE_TOOLS:
        reason = f"needs {', '.join(error.tools)}, which `make tools` could not install here"
        outcome.force_exception(pytest.skip.Exception(reason, _use_item_location=True))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):  # type: ignore[no-untyped-def]
    _skip_for_missing_tools((yield))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    _skip_for_missing_tools((yield))
