"""The metric inventory of one deployed component: ``metrics/exporters/<component>.yaml``.

Each file says which component at which version it describes, how it was taken (``scraped``:
the real binary at that version was run and its ``/metrics`` read; ``upstream source``: taken from
the upstream repository at that version's tag, cited by repo, path and commit), and every metric
family, sorted by name. Names are as queried: a counter as its ``..._total`` series, a histogram
or summary by its base name (``_bucket``/``_sum``/``_count`` follow from the type). Labels are the
label names the component itself sets (not ``le``/``quantile``, not the ``job``/``instance`` a
scrape adds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_document
from infra.errors import DefinitionError, ProblemCollector
from infra.helm.versions import chart_pin

INVENTORY_DIR = "metrics/exporters"
SCHEMA_FILE = "schemas/exporter-inventory.schema.json"
SCHEMA_LINE = f"# yaml-language-server: $schema=../../{SCHEMA_FILE}"

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
MetricType = Literal["counter", "gauge", "histogram", "summary", "untyped"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChartImage(_Strict):
    """Where the version is pinned: ``infra/charts/versions.yaml`` chart, and image or appVersion."""

    chart: str
    image: str | None = Field(
        default=None, description="key under the chart's images:; absent: its appVersion"
    )


class Source(_Strict):
    method: Literal["scraped", "upstream source"]
    command: str | None = Field(default=None, description="scraped: the command that was run (port elided)")
    repo: str | None = Field(default=None, description="upstream source: owner/name of the repository")
    ref: str | None = Field(default=None, description="upstream source: the tag at the pinned version")
    commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")
    paths: list[str] = Field(default_factory=list, description="upstream source: files read")
    note: str | None = Field(
        default=None,
        description="upstream source: why ref is not the pinned version's tag (the nearest one available)",
    )

    @model_validator(mode="after")
    def _cited(self) -> Source:
        if self.method == "scraped" and not self.command:
            raise ValueError("a scraped inventory names the command that was run")
        if self.method == "upstream source" and not (self.repo and self.ref and self.commit and self.paths):
            raise ValueError("an upstream-source inventory cites repo, ref, commit and paths")
        if self.method == "scraped" and self.note:
            raise ValueError("note is for an upstream-source inventory read at another tag")
        return self


class InventoryMetric(_Strict):
    name: str = Field(pattern=METRIC_NAME)
    type: MetricType
    help: str = ""
    labels: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _labels(self) -> InventoryMetric:
        bad = [label for label in self.labels if not re.fullmatch(LABEL_NAME, label)]
        if bad:
            raise ValueError(f"labels {bad} are not Prometheus label names")
        if self.labels != sorted(set(self.labels)):
            raise ValueError("labels must be sorted and unique")
        return self


class InventoryFile(_Strict):
    component: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(pattern=r"^v\d+\.\d+\.\d+")
    pinned_by: ChartImage
    source: Source
    metrics: list[InventoryMetric] = Field(min_length=1)

    @model_validator(mode="after")
    def _sorted_unique(self) -> InventoryFile:
        names = [metric.name for metric in self.metrics]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"metrics {duplicates} are listed more than once")
        if names != sorted(names):
            raise ValueError(
                "metrics must be sorted by name (regenerate with python -m obsctl.metrics_inventory)"
            )
        return self

    def metric(self, name: str) -> InventoryMetric | None:
        return next((metric for metric in self.metrics if metric.name == name), None)


@dataclass(frozen=True)
class LoadedInventory:
    inventory: InventoryFile
    source: str
    """Repository-relative path of the file."""


def pinned_version(pin: ChartImage) -> str:
    """The version ``infra/charts/versions.yaml`` pins for ``pin`` (``v`` prefixed, no suffix)."""
    chart = chart_pin(pin.chart)
    version = chart.image(pin.image) if pin.image else chart.app_version
    if version is None:
        raise KeyError(f"{pin.chart} pins no appVersion")
    return "v" + version.lstrip("v").split("-")[0]


def parse_inventory(text: str, source: str) -> InventoryFile:
    """One inventory; :class:`DefinitionError` naming ``source`` and the key that is wrong."""
    document = load_document(text, source)
    if not isinstance(document, dict):
        raise DefinitionError.single(source, "", "must be a mapping with component, version, source, metrics")
    try:
        inventory = InventoryFile.model_validate(document)
    except ValidationError as error:
        problems = ProblemCollector()
        for item in error.errors():
            problems.add(source, _location(document, item["loc"]), item["msg"].removeprefix("Value error, "))
        raise DefinitionError(problems.problems) from None
    try:
        wanted = pinned_version(inventory.pinned_by)
    except KeyError as error:
        raise DefinitionError.single(source, "pinned_by", str(error).strip("'\"")) from None
    if inventory.version != wanted:
        raise DefinitionError.single(
            source,
            "version",
            f"is {inventory.version} but infra/charts/versions.yaml deploys {wanted}: "
            "regenerate with python -m obsctl.metrics_inventory",
        )
    return inventory


def _location(document: dict[str, object], loc: Iterable[int | str]) -> str:
    """``metrics[node_cpu_seconds_total].labels``: a metric's name instead of its index."""
    path, node = "", document
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            item = node[key]
            name = item.get("name") if isinstance(item, dict) else None
            path += f"[{name if isinstance(name, str) else key}]"
            node = item
        elif isinstance(key, str) and isinstance(node, dict):
            path += f".{key}" if path else key
            node = node.get(key)  # type: ignore[assignment]
    return path


def load_inventories(root: Path) -> dict[str, LoadedInventory]:
    """Every ``metrics/exporters/*.yaml`` under ``root``, by component; all problems at once."""
    problems = ProblemCollector()
    loaded: dict[str, LoadedInventory] = {}
    directory = root / INVENTORY_DIR
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        source = path.relative_to(root).as_posix()
        try:
            inventory = parse_inventory(read_text(path, source, inside=root), source)
        except DefinitionError as error:
            problems.extend(error)
            continue
        if path.stem != inventory.component:
            problems.add(
                source, "component", f"is {inventory.component}: name the file {inventory.component}.yaml"
            )
            continue
        loaded[inventory.component] = LoadedInventory(inventory, source)
    problems.raise_if_any()
    return loaded


def schema_text() -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **InventoryFile.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
