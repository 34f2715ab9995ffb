"""Shared data for the dashboard tests: paths, environments and small dashboards to break."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.catalog.dashboards import DeclaredDatasource

PROJECT_DIR = Path(__file__).resolve().parents[2]
CORPUS_DIR = (PROJECT_DIR / ".." / "shared" / "corpus" / "grafana-dashboards").resolve()
SCHEMA_FILE = (
    PROJECT_DIR / ".." / "shared" / "schemas" / "jsonschema" / "grafana-dashboard.jsonschema.json"
).resolve()

PROMETHEUS = DeclaredDatasource(uid="prometheus", name="Prometheus", type="prometheus")
LOKI = DeclaredDatasource(uid="loki", name="Loki", type="loki")
INFLUXDB = DeclaredDatasource(uid="influxdb", name="InfluxDB", type="influxdb")
CLOUDWATCH = DeclaredDatasource(uid="cloudwatch", name="CloudWatch", type="cloudwatch")
ALERTMANAGER = DeclaredDatasource(uid="alertmanager", name="Alertmanager", type="alertmanager")
ENVIRONMENT = (PROMETHEUS, LOKI, CLOUDWATCH, ALERTMANAGER)
"""What a stack of this project declares."""

PROVIDER_STRIPPED_DASHBOARD_KEYS = ("id", "version")


def provider_state(dashboard: dict[str, Any]) -> str:
    """What terraform-provider-grafana stores as ``config_json`` (its documented normalization):
    no dashboard ``id``/``version``, no top-level panel ``id``, ``libraryPanel`` reduced to name and
    uid, keys sorted."""
    model = json.loads(json.dumps(dashboard))
    for key in PROVIDER_STRIPPED_DASHBOARD_KEYS:
        model.pop(key, None)
    for panel in model.get("panels") or []:
        panel.pop("id", None)
        if isinstance(panel.get("libraryPanel"), dict):
            panel["libraryPanel"] = {k: v for k, v in panel["libraryPanel"].items() if k in ("name", "uid")}
    return json.dumps(model, sort_keys=True, separators=(",", ":"))


def datasource_refs(dashboard: dict[str, Any]) -> Iterator[Any]:
    """Every value under a ``datasource`` key, anywhere."""
    if isinstance(dashboard, dict):
        for key, value in dashboard.items():
            if key == "datasource":
                yield value
            else:
                yield from datasource_refs(value)
    elif isinstance(dashboard, list):
        for item in dashboard:
            yield from datasource_refs(item)


def timeseries(
    title: str, expr: str, grid: tuple[int, int, int, int] = (0, 0, 12, 8), **extra: Any
) -> dict[str, Any]:
    x, y, w, h = grid
    return {
        "type": "timeseries",
        "title": title,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [{"expr": expr, "refId": "A"}],
        **extra,
    }


def small_dashboard(
    uid: str = "small", title: str = "Small", panels: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A lint-clean dashboard in the shape the repository ships."""
    return {
        "uid": uid,
        "title": title,
        "schemaVersion": 41,
        "panels": panels
        if panels is not None
        else [timeseries("Requests", "sum(rate(http_requests_total[$__rate_interval]))")],
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {"text": "", "value": ""},
                },
                {
                    "name": "job",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": "label_values(up, job)",
                    "refresh": 1,
                },
            ]
        },
    }


def write_dashboard(root: Path, relative: str, dashboard: dict[str, Any]) -> Path:
    path = root / "dashboards" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dashboard, indent=2) + "\n", encoding="utf-8")
    return path
