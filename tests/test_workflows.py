"""The GitHub Actions workflows: actionlint and the workflow JSON Schema accept them, and they do what
the project's delivery process says (tests and plan on pull requests, staged deploys, nightly drift)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infra.catalog.upstream_tools import require_tool
from tests.conftest import PROJECT_DIR

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"

STACKS = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in PROJECT_DIR.glob("Pulumi.*.yaml")
)


class _GitHubYaml(yaml.SafeLoader):
    """YAML as GitHub reads it (1.2 booleans): `on:` is the key "on", not True."""


_GitHubYaml.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_GitHubYaml.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(name: str) -> dict[str, Any]:
    document = yaml.load((WORKFLOWS / name).read_text(encoding="utf-8"), Loader=_GitHubYaml)
    assert isinstance(document, dict)
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).startswith(f"{action}@")]


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    executable = require_tool("actionlint")
    return subprocess.run(
        [str(executable), "-oneline", *map(str, files or sorted(WORKFLOWS.glob("*.yml")))],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_actionlint_accepts_every_workflow() -> None:
    result = actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_bites(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  plan:\n"
        "    needs: nothing\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.number }}\n"
        "      - run: echo ${{ matrix.stack }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.endswith(
            'broken.yml:3:3: job "plan" needs job "nothing" which does not exist in this workflow [job-needs]'
        )
        for line in lines
    ), lines
    assert any("broken.yml:8:23: " in line and line.endswith("[expression]") for line in lines), lines


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_workflow_matches_the_github_schema(name: str, shared_dir: Path) -> None:
    schema = json.loads((shared_dir / "schemas" / "jsonschema" / "github-workflow.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load(name)), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{name}: {e.json_path}: {e.message}" for e in errors)


def test_schema_check_bites(shared_dir: Path) -> None:
    schema = json.loads((shared_dir / "schemas" / "jsonschema" / "github-workflow.json").read_text())
    broken = load("deploy.yml")
    broken["jobs"]["prod"]["concurrency"] = {"cancel-in-progress": False}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_pull_requests_test_plan_and_preview() -> None:
    workflow = load("pull-request.yml")
    assert list(workflow["on"]) == ["pull_request"]
    jobs = workflow["jobs"]
    assert any(s.get("run") == "make test" for s in steps(jobs["test"]))

    plan = jobs["plan"]
    base = [s for s in uses(plan, "actions/checkout") if s.get("with", {}).get("path") == ".base"]
    assert base and base[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert any("obsctl.pr_comment --base-dir .plans/base" in s.get("run", "") for s in steps(plan))
    (comment,) = uses(plan, "marocchino/sticky-pull-request-comment")
    assert comment["with"] == {"header": "obsctl-plan", "path": ".plans/comment.md"}
    assert plan["permissions"]["pull-requests"] == "write"

    preview = jobs["preview"]
    assert preview["if"] == "needs.stacks.outputs.preview == 'true'"
    assert preview["permissions"]["id-token"] == "write"
    credentials = next(s for s in steps(jobs["stacks"]) if s.get("id") == "credentials")
    assert credentials["env"]["ROLE_ARN"] == "${{ secrets.AWS_PREVIEW_ROLE_ARN }}"
    assert '"$HEAD_REPOSITORY" = "$REPOSITORY"' in credentials["run"]  # no preview for forks
    (pulumi,) = uses(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["policyPackConfigs"] == "policy/config/${{ matrix.stack }}.json"


def _stacks_listed_by(job: dict[str, Any], project: Path) -> dict[str, str]:
    """Runs the job's stack-listing step in ``project`` and returns what it writes to GITHUB_OUTPUT."""
    (step,) = [s for s in steps(job) if s.get("id") == "stacks"]
    output = project / "github-output"
    subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=project,
        env={"GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_main_deploys_every_stack_then_prod_behind_an_approval() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    deploy, prod = jobs["deploy"], jobs["prod"]
    assert deploy["environment"] == "${{ matrix.stack }}" and prod["environment"] == "prod"
    assert deploy["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.first) }}"
    assert "deploy" in prod["needs"] and "needs.deploy.result" in prod["if"]
    for job, stack in ((deploy, "${{ matrix.stack }}"), (prod, "prod")):
        assert job["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
        (pulumi,) = uses(job, "pulumi/actions")
        assert pulumi["with"]["command"] == "up"
        assert pulumi["with"]["stack-name"] == stack
        assert pulumi["with"]["policyPackConfigs"] == f"policy/config/{stack}.json"
        checks = [s["run"] for s in steps(job) if "--fail-on missing-secrets" in s.get("run", "")]
        assert checks, "a stack whose secrets are not all set must stop before pulumi up"


@pytest.mark.skipif(not shutil.which("jq"), reason="jq is not installed (GitHub's runners have it)")
def test_the_deploy_workflow_finds_every_stack_by_its_file(tmp_path: Path) -> None:
    job = load("deploy.yml")["jobs"]["stacks"]
    for stack in (*STACKS, "dev"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    outputs = _stacks_listed_by(job, tmp_path)
    assert json.loads(outputs["first"]) == sorted({*STACKS, "dev"} - {"prod"})
    assert outputs["prod"] == "true"
    (tmp_path / "Pulumi.prod.yaml").unlink()
    assert _stacks_listed_by(job, tmp_path)["prod"] == "false"


def test_nightly_drift_check_opens_or_updates_an_issue() -> None:
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"]
    job = workflow["jobs"]["drift"]
    assert job["concurrency"]["group"] == "pulumi-${{ matrix.stack }}"
    assert job["permissions"]["issues"] == "write"
    (pulumi,) = uses(job, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["refresh"] is True and pulumi["with"]["expect-no-changes"] is True
    assert pulumi["continue-on-error"] is True
    issue = next(s for s in steps(job) if s.get("name") == "Open or update the drift issue")
    assert issue["if"] == "steps.preview.outcome == 'failure'"
    assert "gh issue comment" in issue["run"] and "gh issue create" in issue["run"]


def test_every_stack_has_a_policy_pack_config() -> None:
    configs = sorted(p.stem for p in (PROJECT_DIR / "policy" / "config").glob("*.json"))
    assert configs == STACKS
