"""The plan of another revision, made by that revision's own code.

A preview compares the base branch with the head. Planning the base with the head's ``infra/``
(what an editable install supplies to any checkout) shows "No changes" for every code-only change.
So the base is checked out into a temporary git worktree and planned by a separate Python process
whose import path starts at that worktree: its ``infra/``, ``obsctl/`` and ``__main__.py`` run, with
the dependencies installed here. The worktree is removed on every path, Ctrl-C included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text
from infra.catalog.strict_json import load_json
from infra.errors import DefinitionError

PLAN_TIMEOUT_SECONDS = 600
MAX_PLAN_FILE_BYTES = 256 * 1024 * 1024
"""A ``--json`` plan takes about 3 KB per resource: 256 MiB holds some 80,000 resources, far more
than any stack; the bound keeps a wrong file (a disk image) from taking the machine's memory."""


def read_plan_file(path: Path) -> dict[str, Any]:
    """A plan ``obsctl plan --json`` wrote; raises DefinitionError naming the file otherwise."""
    source = str(path)
    # Python's json wrote it: NaN, if a value ever held one, reads back as it was written.
    document = load_json(read_text(path, source, limit=MAX_PLAN_FILE_BYTES), source, allow_constants=True)
    if not isinstance(document, dict) or "resources" not in document:
        raise DefinitionError.single(source, "", "is not a plan written by `obsctl plan --json`")
    return document


@dataclass
class BasePlan:
    ref: str
    commit: str
    document: dict[str, Any]
    """The base's ``--json`` plan; no resources when the base has no such stack or does not plan."""
    problem: str | None = None
    """Why the base has no plan of the stack, for the reader of the diff."""


def plan_base(project_dir: Path, ref: str, stacks: list[str]) -> dict[str, BasePlan]:
    """``stacks`` planned at ``ref`` (any revision git understands) with that revision's code."""
    commit = _git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref)
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel", what=ref))
    # The project may sit in a subdirectory of the repository.
    subdir = project_dir.resolve().relative_to(top.resolve())
    scratch = Path(tempfile.mkdtemp(prefix="obsctl-base-"))
    worktree = scratch / "tree"
    try:
        _git(project_dir, "worktree", "add", "--detach", "--quiet", str(worktree), commit, what=ref)
        base_project = worktree / subdir
        return {stack: _plan_one(base_project, scratch, ref, commit, stack) for stack in stacks}
    finally:
        subprocess.run(
            ["git", "-C", str(project_dir), "worktree", "remove", "--force", str(worktree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "-C", str(project_dir), "worktree", "prune"], capture_output=True, check=False)


def _plan_one(base_project: Path, scratch: Path, ref: str, commit: str, stack: str) -> BasePlan:
    from obsctl.cli import COLLECTION_THRESHOLDS

    empty = {"stack": stack, "resources": []}
    if not (base_project / f"Pulumi.{stack}.yaml").is_file():
        return BasePlan(ref, commit, empty, f"{ref} has no stack {stack}: everything is new")
    output = scratch / f"{stack}.json"
    environment = {**os.environ, "PYTHONPATH": str(base_project), "PYTHONWARNINGS": "ignore"}
    command = [
        sys.executable,
        "-c",
        # main(), not run(): the base's code may predate run(); the collector is set as run() sets it.
        f"import gc, sys; gc.set_threshold{COLLECTION_THRESHOLDS}; from obsctl.cli import main; sys.exit(main())",
        "--project-dir",
        str(base_project),
        "plan",
        stack,
        "--quiet",
        "--no-policies",
        "--json",
        str(output),
    ]
    try:
        result = subprocess.run(
            command,
            cwd=base_project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=PLAN_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return BasePlan(ref, commit, empty, f"{ref} did not plan stack {stack} in {PLAN_TIMEOUT_SECONDS} s")
    if result.returncode != 0 or not output.is_file():
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return BasePlan(
            ref, commit, empty, f"{ref} does not plan stack {stack} ({reason}): diffed against nothing"
        )
    try:
        return BasePlan(ref, commit, read_plan_file(output))
    except DefinitionError as error:
        return BasePlan(
            ref, commit, empty, f"{ref} did not plan stack {stack}: {error}: diffed against nothing"
        )


def _git(project_dir: Path, *args: str, what: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(project_dir), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise DefinitionError.single("--base", what, "needs git, which is not installed") from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or ["not a revision of this repository"]
        raise DefinitionError.single("--base", what, f"git {args[0]} failed: {detail[0]}")
    return result.stdout.strip()
