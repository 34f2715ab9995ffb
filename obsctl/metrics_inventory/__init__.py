"""``python -m obsctl.metrics_inventory``: (re)generate ``metrics/exporters/<component>.yaml``.

    python -m obsctl.metrics_inventory                       # every scraped inventory
    python -m obsctl.metrics_inventory --component node-exporter
    python -m obsctl.metrics_inventory --component kube-state-metrics --upstream-clone DIR
    python -m obsctl.metrics_inventory --check               # exit 1 if a committed one differs
    python -m obsctl.metrics_inventory --write-schema        # schemas/exporter-inventory.schema.json

Scraped components (node-exporter, prometheus, alertmanager) run at the version
``infra/charts/versions.yaml`` pins (``make tools`` builds them) on a free 127.0.0.1 port.
Upstream-source components (kube-state-metrics, redis-exporter) are read from a local git clone
of upstream at the pinned tag (or a declared nearest one, noted in the file); without ``--upstream-clone`` ``--check`` only validates the committed file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from infra.catalog.metrics.exporter_inventory import (
    INVENTORY_DIR,
    SCHEMA_LINE,
    ChartImage,
    InventoryFile,
    InventoryMetric,
    Source,
    parse_inventory,
    pinned_version,
)
from infra.catalog.strict_yaml import dump
from obsctl.metrics_inventory.go_exporters import REDIS_EXPORTER_PIN, redis_exporter
from obsctl.metrics_inventory.scrape import SCRAPE_TARGETS, scrape
from obsctl.metrics_inventory.upstream import KUBE_STATE_METRICS_PIN, kube_state_metrics

UpstreamReader = Callable[[Path, str], tuple[Source, list[InventoryMetric]]]
UPSTREAM_COMPONENTS: dict[str, tuple[ChartImage, UpstreamReader]] = {
    "kube-state-metrics": (KUBE_STATE_METRICS_PIN, kube_state_metrics),
    "redis-exporter": (REDIS_EXPORTER_PIN, redis_exporter),
}
COMPONENTS = (*SCRAPE_TARGETS, *UPSTREAM_COMPONENTS)


def build_inventory(
    component: str, pin: ChartImage, source: Source, metrics: list[InventoryMetric]
) -> InventoryFile:
    return InventoryFile(
        component=component, version=pinned_version(pin), pinned_by=pin, source=source, metrics=metrics
    )


def generate(component: str, upstream_clone: Path | None = None) -> InventoryFile:
    """The inventory of ``component`` at its pinned version, taken now."""
    if component in SCRAPE_TARGETS:
        target = SCRAPE_TARGETS[component]
        source = Source(method="scraped", command=target.command_text())
        return build_inventory(component, target.pinned_by, source, scrape(target))
    if upstream_clone is None:
        raise ValueError(f"{component} is read from upstream source: pass --upstream-clone DIR")
    pin, read = UPSTREAM_COMPONENTS[component]
    source, metrics = read(upstream_clone, pinned_version(pin))
    return build_inventory(component, pin, source, metrics)


def render(inventory: InventoryFile) -> str:
    how = (
        f"by running {inventory.source.command} and reading /metrics"
        if inventory.source.method == "scraped"
        else f"from {inventory.source.repo} at {inventory.source.ref} ({inventory.source.commit})"
    )
    header = (
        f"{SCHEMA_LINE}\n"
        f"# Metrics {inventory.component} {inventory.version} exposes, generated {how}.\n"
        "# Do not edit: regenerate with python -m obsctl.metrics_inventory (see metrics/exporters/README.md).\n"
    )
    if inventory.source.note:
        header += f"# NOT AT THE PINNED TAG: {inventory.source.note}\n"
    return header + dump(inventory.model_dump(mode="json", exclude_none=True, exclude_defaults=False))


def inventory_path(root: Path, component: str) -> Path:
    return root / INVENTORY_DIR / f"{component}.yaml"


def check(root: Path, component: str, upstream_clone: Path | None) -> str | None:
    """None when the committed inventory is what generating it now gives; else what differs."""
    path = inventory_path(root, component)
    source = path.relative_to(root).as_posix()
    if not path.is_file():
        return f"{source} is missing"
    committed = parse_inventory(path.read_text(encoding="utf-8"), source)
    if component in UPSTREAM_COMPONENTS and upstream_clone is None:
        return None  # validated (version included); regenerating needs the upstream clone
    fresh = generate(component, upstream_clone)
    if fresh == committed:
        return None
    old = {m.name: m for m in committed.metrics}
    new = {m.name: m for m in fresh.metrics}
    gone, added = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    changed = sorted(name for name in old.keys() & new.keys() if old[name] != new[name])
    return (
        f"{source} differs from {component} {fresh.version} now: {len(added)} new {added[:5]}, "
        f"{len(gone)} gone {gone[:5]}, {len(changed)} changed {changed[:5]}: regenerate it"
    )
