"""Grafana dashboards as code: ``dashboards/<folder>/<name>.json``, one Grafana folder per directory.

Pipeline for one environment (:func:`load_catalog`): load any exported shape -> :func:`normalize`
(canonical, idempotent, free of fields Grafana rewrites) -> :func:`resolve_datasources` against the
environment's declared datasources -> :func:`lint`. The editing workflow (:func:`import_dashboard`,
:func:`format_all`) writes the canonical form that is committed.
"""

from .catalog import check_dashboard, folder_title, load_catalog
from .datasource_types import (
    DATASOURCE_TYPES,
    SUPPORTED_DATASOURCE_TYPES,
    DatasourceType,
    canonical_plugin,
    datasource_type,
    suggested_entry,
)
from .datasources import reference_type, resolve_datasources, resolve_with_problems
from .editing import ImportedDashboard, adopt_dashboard, canonical_text, format_all, import_dashboard
from .linter import DEPRECATED_PANEL_TYPES, lint
from .loader import (
    DASHBOARDS_DIR,
    UID_PATTERN,
    derived_uid,
    folder_uid,
    load_dashboard_file,
    load_dashboard_text,
)
from .model import (
    GENERAL_FOLDER,
    Dashboard,
    DashboardCatalog,
    DeclaredDatasource,
    Folder,
    LintReport,
    RawDashboard,
)
from .normalize import canonical_json, normalize
from .portable import make_portable
from .promql import interpolate, promql_error
from .usage import DatasourceUse, needs_by_type

__all__ = [
    "DASHBOARDS_DIR",
    "DATASOURCE_TYPES",
    "DEPRECATED_PANEL_TYPES",
    "GENERAL_FOLDER",
    "SUPPORTED_DATASOURCE_TYPES",
    "UID_PATTERN",
    "Dashboard",
    "DashboardCatalog",
    "DatasourceType",
    "DatasourceUse",
    "DeclaredDatasource",
    "Folder",
    "ImportedDashboard",
    "LintReport",
    "RawDashboard",
    "adopt_dashboard",
    "canonical_json",
    "canonical_plugin",
    "canonical_text",
    "check_dashboard",
    "datasource_type",
    "derived_uid",
    "folder_title",
    "folder_uid",
    "format_all",
    "import_dashboard",
    "interpolate",
    "lint",
    "load_catalog",
    "load_dashboard_file",
    "load_dashboard_text",
    "make_portable",
    "needs_by_type",
    "normalize",
    "promql_error",
    "reference_type",
    "resolve_datasources",
    "resolve_with_problems",
    "suggested_entry",
]
