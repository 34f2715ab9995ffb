"""Inventories of the components that cannot run here, taken from upstream's source at the pinned
tag and cited (repo, tag, commit, paths) in the file.

kube-state-metrics needs a cluster to list objects, so its inventory is read from the metric
tables its repository documents per resource (``docs/metrics/**/*.md``), at the tag the
kube-prometheus-stack subchart deploys. The source is a local git clone of
``kubernetes/kube-state-metrics``; nothing is downloaded here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from infra.catalog.metrics.exporter_inventory import METRIC_NAME, ChartImage, InventoryMetric, Source

KUBE_STATE_METRICS_REPO = "kubernetes/kube-state-metrics"
KUBE_STATE_METRICS_PIN = ChartImage(chart="kube-prometheus-stack", image="kube-state-metrics")

# Types the docs use beyond the exposition format's: info and stateset series are gauges.
_TYPES = {"info": "gauge", "stateset": "gauge"}
_LABEL = re.compile(r"`([a-zA-Z_][a-zA-Z0-9_]*)`\s*=")


class UpstreamError(RuntimeError):
    """The clone lacks the tag or the files the inventory is read from."""


def _git(clone: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "--git-dir", str(_git_dir(clone)), *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise UpstreamError(f"git {' '.join(args)} in {clone}: {completed.stderr.strip()}")
    return completed.stdout


def _git_dir(clone: Path) -> Path:
    return clone / ".git" if (clone / ".git").exists() else clone


def parse_metric_tables(markdown: str) -> list[InventoryMetric]:
    """Rows of the docs' tables: | name | type | description | unit | labels | status | opt-in |."""
    metrics = []
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        # Escaped pipes (``\\|``) inside label values split cells too; the first three are safe.
        if len(cells) < 5 or not re.fullmatch(METRIC_NAME, name := cells[0].strip("`")):
            continue
        kind = cells[1].lower()
        kind = _TYPES.get(kind, kind)
        if kind not in ("counter", "gauge", "histogram", "summary"):
            continue
        labels = sorted(set(_LABEL.findall(line)))
        metrics.append(InventoryMetric(name=name, type=kind, help=cells[2], labels=labels))  # type: ignore[arg-type]
    return metrics


def kube_state_metrics(clone: Path, tag: str) -> tuple[Source, list[InventoryMetric]]:
    """Every documented metric of kube-state-metrics at ``tag``, and the citation."""
    commit = _git(clone, "rev-parse", f"{tag}^{{commit}}").strip()
    paths = sorted(
        path
        for path in _git(clone, "ls-tree", "-r", "--name-only", commit, "docs/metrics").splitlines()
        if path.endswith(".md")
    )
    merged: dict[str, InventoryMetric] = {}
    for path in paths:
        for metric in parse_metric_tables(_git(clone, "show", f"{commit}:{path}")):
            known = merged.get(metric.name)
            if known is not None:  # documented twice: keep one entry with every label
                labels = sorted({*known.labels, *metric.labels})
                metric = known.model_copy(update={"labels": labels})
            merged[metric.name] = metric
    if not merged:
        raise UpstreamError(f"{clone}: no metric tables under docs/metrics at {tag}")
    source = Source(
        method="upstream source", repo=KUBE_STATE_METRICS_REPO, ref=tag, commit=commit, paths=paths
    )
    return source, [merged[name] for name in sorted(merged)]
