"""A plan does its work once: each definition file read once, a stack's settings validated once,
even though the CLI and the program both need them."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

import infra.catalog.safe_files as safe_files
from infra import config
from obsctl.runner import plan_stack
from tests.conftest import PROJECT_DIR, STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_a_plan_reads_each_definition_file_once(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: collections.Counter[str] = collections.Counter()
    read = safe_files.read_bytes

    def counting(path: Path, source: str, **options: object) -> bytes:
        reads[str(Path(path).resolve())] += 1
        return read(path, source, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(safe_files, "read_bytes", counting)
    plan_stack(PROJECT_DIR, stack)
    definitions = [path for path in reads if "/dashboards/" in path or "/alerts/" in path]
    assert definitions, "the plan read no definition file through infra.catalog.safe_files"
    assert {path: count for path, count in reads.items() if count > 1} == {}


def test_the_cli_and_the_program_validate_a_stack_once() -> None:
    config._validated.cache_clear()
    plan_stack(PROJECT_DIR, "staging")
    info = config._validated.cache_info()
    # plan_stack validates to list missing secrets; the program validates again as `pulumi up` would.
    assert (info.misses, info.hits) == (1, 1)
