"""Reading dashboard files in every shape Grafana has produced.

Accepted: current exports; "export for sharing externally" files (``__inputs``, ``__requires``,
``${DS_...}`` placeholders); API payloads ``{"dashboard": ..., "overwrite": ...}`` and API responses
``{"dashboard": ..., "meta": ...}``; Grafana 4 dashboards with a top-level ``rows`` array; files
with a UTF-8 or UTF-16 byte order mark or CRLF line endings.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text, require_inside
from infra.catalog.strict_json import load_json
from infra.errors import DefinitionError, Problem

from .model import JsonObject, RawDashboard

DASHBOARDS_DIR = "dashboards"
UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
"""Grafana's rule for dashboard and folder uids."""
FOLDER_SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LAYOUT_SCHEMA_VERSION = 16
"""Grafana replaced the ``rows`` layout with ``panels`` + ``gridPos`` at schemaVersion 16."""
_DASHBOARD_KEYS = frozenset({"title", "uid", "panels", "rows", "templating", "schemaVersion"})
"""Keys of a dashboard model; a document holding ``dashboard`` and none of these is an API envelope."""


def locate(path: Path, root: Path) -> tuple[str, str | None]:
    """``(source, folder)`` of a file: its repository-relative path for messages, and its folder slug
    under ``root/dashboards/<folder>/`` (``None`` outside ``dashboards/``).

    Raises DefinitionError for a file directly in ``dashboards/``, nested deeper than one folder, or in
    a folder whose name cannot be a folder uid.
    """
    # abspath rather than resolve(): no filesystem calls, which matters over thousands of files.
    absolute, top = os.path.abspath(path), os.path.abspath(root)
    relative = os.path.relpath(absolute, top)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return str(path), None
    parts = Path(relative).parts
    source = "/".join(parts)
    if parts[0] != DASHBOARDS_DIR:
        return source, None
    if len(parts) != 3:
        raise DefinitionError.single(source, "", f"dashboards live at {DASHBOARDS_DIR}/<folder>/<name>.json")
    if not FOLDER_SLUG_PATTERN.match(parts[1]):
        raise DefinitionError.single(
            source,
            "",
            f"folder name {parts[1]!r} must be lowercase letters, digits and hyphens (it becomes the folder uid)",
        )
    return source, parts[1]


def discover(root: Path) -> tuple[list[Path], list[Problem]]:
    """Every dashboard file under ``root/dashboards``, sorted, and problems with misplaced files."""
    base = root / DASHBOARDS_DIR
    if not base.is_dir():
        return [], []
    files: list[Path] = []
    problems: list[Problem] = []
    for path in sorted(base.rglob("*.json")):
        try:
            source, _ = locate(path, root)
            # A link to a file elsewhere would be uploaded to Grafana, and fmt would rewrite it.
            require_inside(path, root, source)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        files.append(path)
    return files, problems


def derived_uid(folder: str | None, stem: str) -> str:
    """A stable uid for a dashboard whose file sets none: its folder and file name, at most 40 chars."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{folder or ''}-{stem}".lower()).strip("-") or "dashboard"
    if len(slug) <= 40:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    return f"{slug[:31].rstrip('-')}-{digest}"


def folder_uid(slug: str) -> str:
    """The uid of the Grafana folder ``dashboards/<slug>/`` creates."""
    return slug if len(slug) <= 40 else derived_uid(None, slug)


def folder_safe_uid(folder: str | None, stem: str, folder_uids: set[str]) -> str:
    """:func:`derived_uid` made distinct from every folder uid (a bare ``dashboards/x/`` stem can
    derive exactly a folder's uid), for a dashboard whose own uid is a folder's."""
    uid = derived_uid(folder, stem)
    return uid if uid not in folder_uids else derived_uid(folder, f"{stem}-dashboard")


def parse_json_object(text: str, source: str) -> JsonObject:
    if not text.strip():
        raise DefinitionError.single(source, "", "the file is empty")
    value = load_json(text, source)
    if not isinstance(value, dict):
        raise DefinitionError.single(
            source, "", f"expected a dashboard JSON object, found a {_json_type(value)}"
        )
    return value


def unwrap(document: JsonObject, source: str) -> tuple[JsonObject, bool]:
    """The dashboard inside an API payload or response; the document itself otherwise."""
    if "dashboard" not in document or not _DASHBOARD_KEYS.isdisjoint(document):
        return document, False
    inner = document["dashboard"]
    if not isinstance(inner, dict):
        raise DefinitionError.single(source, "dashboard", "an API payload's dashboard must be a JSON object")
    return inner, True


def is_legacy_rows(dashboard: JsonObject) -> bool:
    rows = dashboard.get("rows")
    version = dashboard.get("schemaVersion")
    old = not isinstance(version, int | float) or version < _LAYOUT_SCHEMA_VERSION
    return isinstance(rows, list) and bool(rows) and old


def load_dashboard_text(text: str, source: str, folder: str | None) -> RawDashboard:
    dashboard, wrapped = unwrap(parse_json_object(text, source), source)
    shared = "__inputs" in dashboard or "__requires" in dashboard or "${DS_" in text
    title = dashboard.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DefinitionError.single(source, "title", "a dashboard needs a non-empty title")
    return RawDashboard(
        source=source,
        folder=folder,
        dashboard=dashboard,
        wrapped=wrapped,
        shared_export=shared,
        legacy_rows=is_legacy_rows(dashboard),
    )


def load_dashboard_file(path: Path, root: Path) -> RawDashboard:
    """Read one dashboard file in any accepted shape.

    Raises DefinitionError naming the file (repo-relative) for a file that is not a regular file or
    is too big (see :mod:`infra.catalog.safe_files`), unreadable bytes, invalid JSON (see
    :mod:`infra.catalog.strict_json`), a non-object document, a misplaced file or a missing title.
    """
    source, folder = locate(path, root)
    return load_dashboard_text(read_text(path, source), source, folder)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "JSON array"
    if isinstance(value, str):
        return "JSON string"
    if value is None:
        return "null"
    return "JSON scalar"
