"""The routing table of ``alerts/alertmanager.yaml``: alert labels and the receivers they must
reach, in order (``tests/alertmanager/routes.yaml``), checked row by row with
``amtool config routes test --verify.receivers``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.catalog.prometheus.loader import relative_source
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_documents
from infra.catalog.upstream_tools import ToolRun, run_tool
from infra.errors import DefinitionError, ProblemCollector


@dataclass(frozen=True)
class RouteCase:
    """One row of the routing table: an alert's labels and the receivers it must reach, in order."""

    labels: Mapping[str, str]
    receivers: tuple[str, ...]
    location: str

    def label_args(self) -> list[str]:
        return [f"{key}={value}" for key, value in sorted(self.labels.items())]


def load_routing_table(path: Path, root: Path) -> list[RouteCase]:
    source = relative_source(path, root)
    documents = [d for d in load_documents(read_text(path, source), source) if d is not None]
    rows = documents[0] if documents else None
    problems = ProblemCollector()
    cases: list[RouteCase] = []
    if not isinstance(rows, list):
        raise DefinitionError.single(source, "", "must be a list of {labels, receivers} rows")
    for index, row in enumerate(rows):
        labels = row.get("labels") if isinstance(row, dict) else None
        receivers = row.get("receivers") if isinstance(row, dict) else None
        if not isinstance(labels, dict) or not labels or not isinstance(receivers, list) or not receivers:
            problems.add(source, f"[{index}]", "needs labels (a mapping) and receivers (a non-empty list)")
            continue
        cases.append(
            RouteCase({str(k): str(v) for k, v in labels.items()}, tuple(map(str, receivers)), f"[{index}]")
        )
    problems.raise_if_any()
    return cases


def route_test(config_path: Path, case: RouteCase) -> ToolRun:
    """``amtool config routes test --verify.receivers``: fails unless the receivers match, in order."""
    return run_tool(
        "amtool",
        "config",
        "routes",
        "test",
        f"--config.file={config_path}",
        f"--verify.receivers={','.join(case.receivers)}",
        *case.label_args(),
    )


def routing_table_failures(config_path: Path, cases: Sequence[RouteCase]) -> list[str]:
    """One line per row whose labels do not reach exactly its receivers, with what amtool resolved."""
    failures = []
    for case in cases:
        run = route_test(config_path, case)
        if not run.ok:
            resolved = run.output.replace("Warning: --config.file flag overrides the --alertmanager.url.", "")
            failures.append(
                f"{case.location} {dict(case.labels)}: expected {','.join(case.receivers)}, "
                f"amtool: {' '.join(resolved.split())}"
            )
    return failures
