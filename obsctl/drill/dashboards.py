"""Every Prometheus query of the stack's dashboards, run against the drill's Prometheus.

After each scenario, every panel query goes to that lab's Prometheus through its HTTP API, with
template variables resolved the way Grafana resolves them: built-ins from the scrape interval
(``$__rate_interval`` is the larger of four scrape intervals and ``$__interval`` plus one), query
variables from the lab's own label values (Grafana selects the first value, or all of them), and
custom, constant and interval variables from their saved value. A panel none of whose queries
returns a series in any scenario is listed, with its file and title.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.catalog import dashboards
from infra.catalog.dashboards.datasources import reference_type
from infra.catalog.dashboards.panels import iter_panels, iter_targets, panel_title, template_variables
from infra.catalog.dashboards.variables import (
    VARIABLE_REFERENCE,
    current_value,
    reference_name,
    variables_by_name,
)
from infra.config import Settings

INTERVAL_SECONDS = 60
"""``$__interval`` for a one-hour dashboard at Grafana's usual resolution."""
RANGE = "1h"
_LABEL_VALUES = re.compile(r"^\s*label_values\s*\(\s*(?:(?P<selector>.*),\s*)?(?P<label>\w+)\s*\)\s*$", re.S)


@dataclass(frozen=True)
class EmptyPanel:
    source: str
    panel: str
    queries: tuple[str, ...]


@dataclass
class _Panel:
    source: str
    label: str
    dashboard: dict[str, Any]
    exprs: list[str]
    answered: bool = False


@dataclass
class DashboardProbe:
    panels: list[_Panel] = field(default_factory=list)
    queried: int = 0

    @classmethod
    def for_stack(cls, settings: Settings, root: Path) -> DashboardProbe | None:
        """Every Prometheus panel of the stack's dashboards under ``root``; None without Grafana."""
        grafana = settings.grafana
        if grafana is None:
            return None
        catalog = dashboards.load_catalog(
            root, grafana.declared_datasources(), grafana.default_datasource.uid, grafana.folders
        )
        probe = cls()
        for dashboard in catalog.dashboards:
            config = dict(dashboard.config)
            variables = variables_by_name(config)
            for ref in iter_panels(config):
                if ref.panel.get("type") == "row":
                    continue
                exprs = [
                    str(target["expr"])
                    for _, target in iter_targets(ref.panel)
                    if isinstance(target.get("expr"), str)
                    and target["expr"].strip()
                    and not target.get("hide")
                    and reference_type(target.get("datasource") or ref.panel.get("datasource"), variables)
                    == "prometheus"
                ]
                if exprs:
                    title = panel_title(ref.panel) or ref.label
                    probe.panels.append(_Panel(dashboard.source, title, config, exprs))
        return probe

    def query(self, prometheus_url: str, scrape_interval: float) -> None:
        """Run every query of every panel that has shown no data yet against one lab."""
        resolved: dict[int, dict[str, str]] = {}
        for panel in self.panels:
            if panel.answered:
                continue
            values = resolved.setdefault(
                id(panel.dashboard), _resolve_variables(panel.dashboard, prometheus_url, scrape_interval)
            )
            for expr in panel.exprs:
                self.queried += 1
                if _has_series(prometheus_url, _substitute(expr, values)):
                    panel.answered = True
                    break

    def empty_panels(self) -> list[EmptyPanel]:
        return [EmptyPanel(p.source, p.label, tuple(p.exprs)) for p in self.panels if not p.answered]


def _builtins(scrape_interval: float) -> dict[str, str]:
    rate_interval = max(4 * scrape_interval, INTERVAL_SECONDS + scrape_interval)
    return {
        "__interval": f"{INTERVAL_SECONDS}s",
        "__interval_ms": str(INTERVAL_SECONDS * 1000),
        "__rate_interval": f"{int(rate_interval)}s",
        "__rate_interval_ms": str(int(rate_interval * 1000)),
        "__range": RANGE,
        "__range_s": "3600",
        "__range_ms": "3600000",
        "interval": f"{INTERVAL_SECONDS}s",
    }


def _substitute(text: str, values: dict[str, str]) -> str:
    return VARIABLE_REFERENCE.sub(lambda m: values.get(reference_name(m), m.group(0)), text)


def _get(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _has_series(prometheus_url: str, expr: str) -> bool:
    answer = _get(f"{prometheus_url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
    return bool(answer and answer.get("status") == "success" and answer["data"]["result"])


def _label_values(prometheus_url: str, selector: str | None, label: str) -> list[str]:
    query = urllib.parse.urlencode({"match[]": selector} if selector else {})
    answer = _get(f"{prometheus_url}/api/v1/label/{urllib.parse.quote(label)}/values?{query}")
    return sorted(answer["data"]) if answer and answer.get("status") == "success" else []


def _resolve_variables(
    dashboard: dict[str, Any], prometheus_url: str, scrape_interval: float
) -> dict[str, str]:
    values = _builtins(scrape_interval)
    for variable in template_variables(dashboard):
        name = str(variable.get("name") or "")
        if not name:
            continue
        kind = variable.get("type")
        options: list[str] = []
        if kind == "query":
            text = variable.get("query")
            text = text.get("query") if isinstance(text, dict) else text
            match = _LABEL_VALUES.match(_substitute(str(text or ""), values))
            if match:
                options = _label_values(prometheus_url, match["selector"], match["label"])
        saved = current_value(variable)
        multi = bool(variable.get("multi") or variable.get("includeAll"))
        if options and multi and (saved in (None, "$__all", "All") or saved not in options):
            values[name] = variable.get("allValue") or "(" + "|".join(re.escape(o) for o in options) + ")"
        elif options:
            values[name] = saved if saved in options else options[0]
        elif saved is not None and saved != "$__all":
            values[name] = saved
        else:
            values[name] = str(variable.get("allValue") or ".*")
    return values
