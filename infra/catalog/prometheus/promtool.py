"""Running the real ``promtool`` on rule files, rendered rules and unit tests."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from infra.catalog.prometheus.rule_set import RenderedRuleFile, write_rule_files
from infra.catalog.upstream_tools import ToolRun, run_tool


def check_rules(paths: Sequence[Path]) -> ToolRun:
    """``promtool check rules``: syntax, PromQL, templates. Its duplicate-rule lint stays a warning."""
    return run_tool("promtool", "check", "rules", *(str(p) for p in paths))


def check_rendered(rendered: Iterable[RenderedRuleFile]) -> ToolRun:
    """``promtool check rules`` on one stack's rendered rules, written to a private temporary directory."""
    with tempfile.TemporaryDirectory(prefix="prometheus-rules-") as directory:
        return check_rules(write_rule_files(rendered, Path(directory)))


def run_rule_tests(test_files: Sequence[Path]) -> ToolRun:
    """``promtool test rules``; ``rule_files`` resolve against each test file's directory."""
    return run_tool("promtool", "test", "rules", *(str(p) for p in test_files))
