"""`obsctl plan` as a user runs it: every stack, a base revision, JSON to stdout, clear refusals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR, STACKS, run_obsctl


def test_version() -> None:
    result = run_obsctl("--version")
    assert result.returncode == 0 and result.stdout.startswith("obsctl ")


def test_json_dash_writes_the_plan_to_stdout_alone() -> None:
    result = run_obsctl("plan", "staging", "--json", "-", "--no-policies")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "staging" and document["resources"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "staging", "--format", "markdown"],
            "--format markdown: renders a diff: add --base REF or --diff OLD.json",
        ),
        (["plan"], "obsctl plan: name a stack or pass --all"),
        (["plan", "staging", "--all"], "obsctl plan: staging: give a stack or --all, not both"),
        (["plan", "--all", "--json", "x.json"], "--json: writes one stack's plan"),
        (["plan", "nosuch"], "Pulumi.nosuch.yaml: no such stack file"),
    ],
)
def test_misuse_is_refused_with_a_clear_message(args: list[str], message: str) -> None:
    result = run_obsctl(*args)
    assert result.returncode == 1
    assert f"error: {message}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_diff_across_stacks_is_refused(tmp_path: Path) -> None:
    prod = tmp_path / "prod.json"
    assert run_obsctl("plan", "prod", "--json", str(prod), "--no-policies", "--quiet").returncode == 0
    result = run_obsctl("plan", "staging", "--diff", str(prod), "--no-policies")
    assert result.returncode == 1
    assert "the earlier plan is of stack prod, not staging" in result.stderr


def _project_copy(tmp_path: Path) -> Path:
    """The repository's files (tracked and new, not ignored) in a git repository of their own."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    project = tmp_path / "project"
    for name in filter(None, listed):
        source = PROJECT_DIR / name
        if source.is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=project, check=True)
    return project


def _obsctl_of(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """obsctl with the project's own code first on the path, as in its own checkout."""
    return subprocess.run(
        [sys.executable, "-m", "obsctl.cli", "--project-dir", str(project), *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(project), "PYTHONWARNINGS": "ignore"},
        check=False,
        timeout=600,
    )


@pytest.mark.slow
def test_base_plans_the_base_with_its_own_code(tmp_path: Path) -> None:
    """A code-only change (a tag every resource carries) shows up: the base ran the base's code."""
    project = _project_copy(tmp_path)
    config = project / "infra" / "config.py"
    config.write_text(config.read_text().replace('"managed-by": "pulumi"', '"managed-by": "pulumi-v2"'))
    result = _obsctl_of(project, "plan", "staging", "--base", "HEAD", "--no-policies")
    assert result.returncode == 0, result.stderr
    assert "inputs.tags.managed-by: pulumi => pulumi-v2" in result.stdout
    # The temporary worktree is gone.
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=project, capture_output=True, text=True
    ).stdout
    assert len(worktrees.strip().splitlines()) == 1


def test_base_names_an_unknown_revision(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    result = _obsctl_of(project, "plan", "staging", "--base", "no-such-branch")
    assert result.returncode == 1
    assert "error: --base: no-such-branch: git rev-parse failed" in result.stderr


def test_all_plans_every_stack_and_reports_every_failure(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    for stack in STACKS:
        path = project / f"Pulumi.{stack}.yaml"
        path.write_text(path.read_text().replace("config:\n", "config:\n  observability:nope: 1\n", 1))
    result = _obsctl_of(project, "plan", "--all", "--quiet")
    assert result.returncode == 1
    for stack in STACKS:
        assert f"error: Pulumi.{stack}.yaml: observability:nope: unknown key" in result.stderr
    assert f"error: {len(STACKS)} of {len(STACKS)} stacks failed: {', '.join(STACKS)}" in result.stderr


def test_fail_on_missing_secrets_exits_non_zero_and_names_the_command() -> None:
    result = run_obsctl("plan", "staging", "--quiet", "--no-policies", "--fail-on", "missing-secrets")
    assert result.returncode == 1
    assert "pulumi config set --secret observability:" in result.stderr
    assert "error: --fail-on missing-secrets:" in result.stderr
    assert run_obsctl("plan", "staging", "--quiet", "--no-policies").returncode == 0


def test_secrets_lists_every_secret_of_every_stack() -> None:
    from tests.conftest import required_secret_keys

    result = run_obsctl("plan", "--all", "--secrets")
    assert result.returncode == 0, result.stderr
    for stack in STACKS:
        for key in required_secret_keys(stack):
            assert f"pulumi config set --secret observability:{key} <value> --stack {stack}" in result.stdout


def test_stack_init_writes_both_files_and_the_new_stack_plans(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    result = _obsctl_of(project, "stack", "init", "qa", "--from", "staging")
    assert result.returncode == 0, result.stderr
    assert (project / "policy/config/qa.json").read_text() == (
        project / "policy/config/staging.json"
    ).read_text()
    assert "--stack qa" in (project / "Pulumi.qa.yaml").read_text()
    assert "pulumi stack init qa" in result.stdout
    assert "Review the values that still name staging" in result.stdout
    assert _obsctl_of(project, "plan", "qa", "--quiet").returncode == 0
    again = _obsctl_of(project, "stack", "init", "qa", "--from", "staging")
    assert again.returncode == 1 and "exists already" in again.stderr


def test_stack_init_leaves_out_the_source_stacks_encrypted_values(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    staging = project / "Pulumi.staging.yaml"
    staging.write_text(
        "encryptionsalt: v1:abc\n"
        + staging.read_text().replace(
            "config:\n", "config:\n  observability:alertWebhookUrl:\n    secure: v1:AAAAciphertext\n", 1
        )
    )
    assert _obsctl_of(project, "stack", "init", "qa", "--from", "staging").returncode == 0
    text = (project / "Pulumi.qa.yaml").read_text()
    assert "encryptionsalt" not in text and "ciphertext" not in text and "alertWebhookUrl:" not in text


def test_a_stack_without_its_own_policy_config_is_refused(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    shutil.copy(project / "Pulumi.staging.yaml", project / "Pulumi.qa.yaml")
    result = _obsctl_of(project, "plan", "qa", "--quiet")
    assert result.returncode == 1
    assert "error: policy/config/qa.json: stack qa has no policy config" in result.stderr


@pytest.mark.slow
def test_a_reader_that_stops_early_ends_the_cli_quietly() -> None:
    # `obsctl plan staging | head`: the console script stops on the closed pipe, no traceback.
    # `true` has exited before the plan prints, so the first write meets a pipe nobody reads.
    obsctl = Path(sys.executable).with_name("obsctl")
    pipeline = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"'{obsctl}' plan staging | true"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in pipeline.stderr and "BrokenPipeError" not in pipeline.stderr, pipeline.stderr
    assert pipeline.returncode == 141
