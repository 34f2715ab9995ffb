"""Metric names a CloudWatch agent configuration publishes, to check alarms against the agent.

The agent names a metric ``<plugin>_<measurement>`` (``disk`` + ``used_percent`` ->
``disk_used_percent``), keeps a measurement that already starts with its plugin's prefix
(``mem_used_percent``), and uses ``rename`` verbatim when a measurement sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def agent_metric_names(config: Mapping[str, Any]) -> set[str]:
    """Metric names of the host plugins (cpu, mem, disk ...) of ``metrics.metrics_collected``.

    Plugins configured as lists (jmx, procstat) and listeners (statsd, collectd) name their metrics
    from what they receive or per target; they are not listed.
    """
    names = set()
    collected = (config.get("metrics") or {}).get("metrics_collected") or {}
    for plugin, settings in collected.items():
        if not isinstance(settings, Mapping):
            continue
        for measurement in settings.get("measurement", []):
            spec = measurement if isinstance(measurement, Mapping) else {"name": measurement}
            name = str(spec["name"])
            if spec.get("rename"):
                names.add(str(spec["rename"]))
            elif name.startswith(f"{plugin}_"):
                names.add(name)
            else:
                names.add(f"{plugin}_{name}")
    return names
