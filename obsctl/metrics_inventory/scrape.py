"""Run a component at its pinned version on 127.0.0.1, read its ``/metrics``, and turn the
exposition into inventory entries.

The exposition text is parsed by ``prometheus_client``'s parser (upstream's Python client), not
by hand. Processes run inside a :class:`~obsctl.drill.processes.ProcessGroup`, so they are
stopped however the scrape ends, Ctrl-C included.
"""

from __future__ import annotations

import socket
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from infra.catalog.metrics.exporter_inventory import ChartImage, InventoryMetric, pinned_version
from infra.catalog.upstream_tools import installed_version, require_tool
from obsctl.drill.processes import ProcessGroup, interruptible

HOST = "127.0.0.1"
SETTLE_SECONDS = 3.0
"""After ready: one rule evaluation and one self-scrape of Prometheus (1 s intervals) have run, so
the families created lazily on first use are in the exposition too."""

# OpenMetrics-only types, as the text format would call them.
_TYPES = {"unknown": "untyped", "info": "gauge", "stateset": "gauge", "gaugehistogram": "histogram"}
_SERIES_LABELS = {"histogram": {"le"}, "summary": {"quantile"}}


class ScrapeError(RuntimeError):
    """The component ran but is not the pinned version, or gave no metrics."""


@dataclass(frozen=True)
class ScrapeTarget:
    component: str
    tool: str
    pinned_by: ChartImage
    arguments: Callable[[int, Path], list[str]]
    """Command-line arguments given the port and a scratch folder (configs are written there)."""
    ready_path: str = "/metrics"

    def command_text(self) -> str:
        """The command as recorded in the inventory: the port and scratch folder elided."""
        with tempfile.TemporaryDirectory() as scratch:
            arguments = " ".join(self.arguments(0, Path(scratch))).replace(scratch, "TMP")
        return f"{self.tool} {arguments}".replace(f"{HOST}:0", f"{HOST}:PORT")


def parse_exposition(text: str) -> list[InventoryMetric]:
    """Inventory entries for every family of a text exposition, sorted by name.

    A counter is named by its ``_total`` series (what queries use); histograms and summaries by
    their base name, without the ``le``/``quantile`` labels their series carry.
    """
    metrics: dict[str, InventoryMetric] = {}
    for family in text_string_to_metric_families(text):
        kind = _TYPES.get(family.type, family.type)
        name = family.name
        if kind == "counter":
            series = [s.name for s in family.samples if not s.name.endswith("_created")]
            name = series[0] if series else f"{family.name}_total"
        hidden = _SERIES_LABELS.get(kind, set())
        labels = sorted({label for s in family.samples for label in s.labels} - hidden)
        entry = {"name": name, "type": kind, "help": family.documentation, "labels": labels}
        metrics[name] = InventoryMetric.model_validate(entry)
    return [metrics[name] for name in sorted(metrics)]


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1 now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def scrape(target: ScrapeTarget) -> list[InventoryMetric]:
    """Run ``target`` at its pinned version, read ``/metrics`` once, stop it; its entries."""
    executable = require_tool(target.tool)  # MissingToolError: tests skip, naming the tool
    wanted = pinned_version(target.pinned_by).lstrip("v")
    found = installed_version(executable)
    if found != wanted:
        raise ScrapeError(
            f"{executable} is {target.tool} {found or 'of unknown version'}, the charts deploy {wanted}: run `make tools`"
        )
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix=f"obsctl-inventory-{target.component}-") as scratch,
        interruptible(),
    ):
        workdir = Path(scratch)
        with ProcessGroup() as group:
            base = f"http://{HOST}:{port}"
            process = group.start(
                target.tool,
                [str(executable), *target.arguments(port, workdir)],
                workdir / f"{target.tool}.log",
                base + target.ready_path,
            )
            process.wait_ready()
            time.sleep(SETTLE_SECONDS)
            request = urllib.request.Request(
                base + "/metrics", headers={"Accept": "text/plain; version=0.0.4"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode("utf-8")
    metrics = parse_exposition(text)
    if not metrics:
        raise ScrapeError(f"{target.tool} exposed no metrics at /metrics")
    return metrics


def _node_exporter(port: int, workdir: Path) -> list[str]:
    return [f"--web.listen-address={HOST}:{port}"]


def _prometheus(port: int, workdir: Path) -> list[str]:
    # A rule group, a self-scrape and an (absent) Alertmanager, all on 127.0.0.1: the rule,
    # target and notifier families exist only once Prometheus has one of each.
    (workdir / "rules.yml").write_text(
        "groups:\n- name: inventory\n  interval: 1s\n  rules:\n"
        "  - record: inventory:up:sum\n    expr: sum(up)\n"
        "  - alert: InventoryAlways\n    expr: vector(1)\n"
    )
    (workdir / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "rule_files: [rules.yml]\n"
        f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{HOST}:{free_port()}']}}]}}]}}\n"
        f"scrape_configs: [{{job_name: prometheus, static_configs: [{{targets: ['{HOST}:{port}']}}]}}]\n"
    )
    return [
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address={HOST}:{port}",
    ]


def _alertmanager(port: int, workdir: Path) -> list[str]:
    (workdir / "alertmanager.yml").write_text("route: {receiver: default}\nreceivers: [{name: default}]\n")
    return [
        f"--config.file={workdir / 'alertmanager.yml'}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address={HOST}:{port}",
        "--cluster.listen-address=",  # no gossip port: one instance, nothing beyond 127.0.0.1
    ]


KUBE_PROMETHEUS_STACK = "kube-prometheus-stack"
SCRAPE_TARGETS = {
    target.component: target
    for target in (
        ScrapeTarget(
            "node-exporter",
            "node_exporter",
            ChartImage(chart=KUBE_PROMETHEUS_STACK, image="node-exporter"),
            _node_exporter,
        ),
        ScrapeTarget(
            "prometheus",
            "prometheus",
            ChartImage(chart=KUBE_PROMETHEUS_STACK, image="prometheus"),
            _prometheus,
            "/-/ready",
        ),
        ScrapeTarget(
            "alertmanager",
            "alertmanager",
            ChartImage(chart=KUBE_PROMETHEUS_STACK, image="alertmanager"),
            _alertmanager,
            "/-/ready",
        ),
    )
}
