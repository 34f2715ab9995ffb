"""Plain data passed between the loader, the resolver, the linter and the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.errors import Problem

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class DeclaredDatasource:
    """A datasource a stack creates in Grafana, as dashboards see it.

    ``type`` is the Grafana plugin id (``prometheus``, ``loki``, ``cloudwatch`` ...).
    """

    uid: str
    name: str
    type: str


@dataclass(frozen=True)
class RawDashboard:
    """One dashboard file as found on disk, unwrapped to the dashboard object itself."""

    source: str
    """Repository-relative path (``dashboards/gateway/overview.json``) for every message."""
    folder: str | None
    """Folder slug (the file's parent directory); ``None`` for a file outside ``dashboards/``."""
    dashboard: JsonObject
    wrapped: bool = False
    """The file is an API payload, ``{"dashboard": {...}, "overwrite": ...}``."""
    shared_export: bool = False
    """Exported "for sharing externally": ``__inputs``/``__requires`` and ``${DS_...}`` placeholders."""
    legacy_rows: bool = False
    """schemaVersion below 16 with a top-level ``rows`` array (Grafana 4 layout)."""

    @property
    def uid(self) -> str | None:
        uid = self.dashboard.get("uid")
        return uid if isinstance(uid, str) and uid else None


@dataclass
class LintReport:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, source: str, location: str, message: str) -> None:
        self.errors.append(Problem(source, location, message))

    def warn(self, source: str, location: str, message: str) -> None:
        self.warnings.append(Problem(source, location, message))

    def merge(self, other: LintReport) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    @property
    def clean(self) -> bool:
        return not self.errors and not self.warnings


@dataclass(frozen=True)
class Folder:
    """A Grafana folder: one subdirectory of ``dashboards/``."""

    slug: str
    title: str
    uid: str


@dataclass(frozen=True)
class Dashboard:
    """A dashboard ready to deploy to one environment."""

    uid: str
    title: str
    folder: str
    """Folder slug; :data:`GENERAL_FOLDER` means Grafana's root ("General"), which is never created."""
    source: str
    config: Mapping[str, Any]
    """Canonical, resolved model: what is sent to Grafana as ``config_json``."""


@dataclass(frozen=True)
class DashboardCatalog:
    folders: Mapping[str, Folder]
    """Folder slug -> folder, without :data:`GENERAL_FOLDER`."""
    dashboards: tuple[Dashboard, ...]
    warnings: tuple[Problem, ...] = ()

    def in_folder(self, slug: str) -> tuple[Dashboard, ...]:
        return tuple(d for d in self.dashboards if d.folder == slug)


GENERAL_FOLDER = "general"
"""``dashboards/general/`` holds dashboards for Grafana's built-in root folder."""
