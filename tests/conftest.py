"""Shared fixtures: each stack is planned once per test session, through the real program."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from obsctl.plan import Plan
from obsctl.runner import plan_stack

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = (PROJECT_DIR.parent / "shared").resolve()
STACKS = tuple(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")))
"""Every stack file in the repository: a new environment is planned by the suite without edits."""
SENTINEL = "s3ntinel-0f-a-secret-value"
"""Set as every secret of the session's plans, to prove it is never exposed."""


@cache
def planned(stack: str) -> Plan:
    """The plan of a shipped stack, with every required secret set to :data:`SENTINEL`."""
    from infra.config import load_settings, required_secrets
    from obsctl.stackfile import read_stack_file

    settings = load_settings(read_stack_file(PROJECT_DIR, stack).raw)
    secrets = {f"observability:{spec.key}": SENTINEL for spec in required_secrets(settings)}
    return plan_stack(PROJECT_DIR, stack, secrets=secrets)


@pytest.fixture(scope="session", params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> Plan:
    return planned(request.param)


@pytest.fixture(scope="session")
def staging_plan() -> Plan:
    return planned("staging")


@pytest.fixture(scope="session")
def prod_plan() -> Plan:
    return planned("prod")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED_DIR.is_dir(), f"the reference material is expected at {SHARED_DIR}"
    return SHARED_DIR


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
