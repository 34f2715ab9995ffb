"""The pinned Helm charts, read from ``infra/charts/versions.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from infra.catalog.strict_yaml import load_document

CHARTS_PACKAGE = "infra.charts"
VERSIONS_FILE = "versions.yaml"


@dataclass(frozen=True)
class ChartPin:
    """One chart at one version, and where its values' key index comes from."""

    name: str
    repo: str
    version: str
    key_index: Literal["generated", "curated"]
    app_version: str | None = None
    images: tuple[tuple[str, str], ...] = ()
    """Component name -> image tag the chart deploys, e.g. ``("prometheus", "v3.14.0")``."""

    def image(self, component: str) -> str:
        for name, tag in self.images:
            if name == component:
                return tag
        raise KeyError(f"{VERSIONS_FILE}: {self.name} pins no image for {component}")

    @property
    def key_index_file(self) -> str:
        return f"{self.name}-{self.version}.keys.json"


@cache
def chart_pins() -> dict[str, ChartPin]:
    text = resources.files(CHARTS_PACKAGE).joinpath(VERSIONS_FILE).read_text(encoding="utf-8")
    charts = load_document(text, f"infra/charts/{VERSIONS_FILE}")["charts"]
    pins = {}
    for name, pin in charts.items():
        if pin["keyIndex"] not in ("generated", "curated"):
            raise ValueError(f"{VERSIONS_FILE}: {name}.keyIndex must be generated or curated")
        pins[name] = ChartPin(
            name=name,
            repo=pin["repo"],
            version=str(pin["version"]),
            key_index=pin["keyIndex"],
            app_version=pin.get("appVersion"),
            images=tuple((str(k), str(v)) for k, v in (pin.get("images") or {}).items()),
        )
    return pins


def chart_pin(name: str) -> ChartPin:
    pins = chart_pins()
    if name not in pins:
        raise KeyError(f"chart {name!r} is not pinned in infra/charts/{VERSIONS_FILE} ({', '.join(pins)})")
    return pins[name]
