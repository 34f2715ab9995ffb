"""The whole Datadog catalog of a repository: monitors and log pipelines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.catalog.datadog.loader import MONITORS_DIR, PIPELINES_SUBDIR, CatalogMonitor, load_monitors
from infra.catalog.datadog.pipelines import CatalogPipeline, load_pipelines
from infra.errors import DefinitionError, ProblemCollector


@dataclass(frozen=True)
class DatadogCatalog:
    monitors: Mapping[str, CatalogMonitor]
    """By monitor id, sorted; each knows the file it came from."""
    pipelines: Mapping[str, CatalogPipeline]
    """By pipeline id (file name), sorted."""


def load_catalog(root: Path, directory: Path | None = None) -> DatadogCatalog:
    """Load ``<root>/alerts/datadog`` (or ``directory``), with its ``pipelines/`` subdirectory.

    File names in errors are relative to ``root``. Raises one DefinitionError listing every
    problem in every file.
    """
    # Files found under the repository's alerts/datadog must stay in the repository; a directory
    # named explicitly (a corpus, an export) is its own tree.
    tree = root if directory is None else directory
    directory = directory if directory is not None else root / MONITORS_DIR
    problems = ProblemCollector()
    monitors: Mapping[str, CatalogMonitor] = {}
    pipelines: Mapping[str, CatalogPipeline] = {}
    try:
        monitors = load_monitors(directory, root, tree)
    except DefinitionError as error:
        problems.extend(error)
    try:
        pipelines = load_pipelines(directory / PIPELINES_SUBDIR, root, tree)
    except DefinitionError as error:
        problems.extend(error)
    problems.raise_if_any()
    return DatadogCatalog(monitors, dict(sorted(pipelines.items())))
