"""The Datadog catalog: monitors in ``alerts/datadog/`` and log pipelines in ``alerts/datadog/pipelines/``.

``load_catalog`` reads and shape-checks the files; ``render_monitors`` and ``render_pipelines``
apply one stack's settings and return validated keyword arguments for ``pulumi_datadog.Monitor``
and ``pulumi_datadog.LogsCustomPipeline``. Nothing here imports Pulumi.
"""

from infra.catalog.datadog.catalog import DatadogCatalog, load_catalog
from infra.catalog.datadog.loader import CatalogMonitor
from infra.catalog.datadog.pipelines import CatalogPipeline, RenderedPipeline, render_pipelines
from infra.catalog.datadog.render import RenderedMonitor, render_monitors

__all__ = [
    "CatalogMonitor",
    "CatalogPipeline",
    "DatadogCatalog",
    "RenderedMonitor",
    "RenderedPipeline",
    "load_catalog",
    "render_monitors",
    "render_pipelines",
]
