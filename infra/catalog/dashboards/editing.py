"""The editing workflow: import a dashboard exported from Grafana, format every committed file."""

from __future__ import annotations

import re
from pathlib import Path

from infra.catalog.safe_files import read_bytes, write_atomically
from infra.errors import DefinitionError, ProblemCollector

from .catalog import default_uid_for
from .loader import (
    DASHBOARDS_DIR,
    FOLDER_SLUG_PATTERN,
    UID_PATTERN,
    derived_uid,
    discover,
    load_dashboard_file,
)
from .model import RawDashboard
from .normalize import canonical_json, normalize
from .portable import make_portable


def canonical_text(raw: RawDashboard) -> str:
    """The committed form of a loaded file: normalized, uid pinned, canonical JSON."""
    return canonical_json(normalize(raw.dashboard, uid=default_uid_for(raw)))


def format_all(root: Path, check: bool) -> list[Path]:
    """Rewrite every ``dashboards/<folder>/*.json`` in canonical form (or, with ``check``, only
    report). Returns the files that changed (or would change).

    Raises DefinitionError listing every file that cannot be loaded; the others are still written.
    """
    collector = ProblemCollector()
    files, misplaced = discover(root)
    collector.problems.extend(misplaced)
    changed: list[Path] = []
    for path in files:
        try:
            raw = load_dashboard_file(path, root)
        except DefinitionError as error:
            collector.extend(error)
            continue
        text = canonical_text(raw)
        try:
            if read_bytes(path, raw.source) == text.encode("utf-8"):
                continue
            changed.append(path)
            if not check:
                # Through a temporary file: an editor or a running plan never reads a half-written
                # dashboard, and the tree's own symlinks are written through, never replaced.
                write_atomically(path, text, inside=root)
        except DefinitionError as error:
            collector.extend(error)
    collector.raise_if_any()
    return changed


def _file_stem(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "dashboard"


def _existing_with_uid(root: Path, uid: str) -> Path | None:
    files, _ = discover(root)
    for path in files:
        try:
            if default_uid_for(load_dashboard_file(path, root)) == uid:
                return path
        except DefinitionError:
            continue
    return None


def import_dashboard(exported_path: Path, folder: str, root: Path) -> Path:
    """Write an exported dashboard (any accepted shape) as a canonical file under
    ``root/dashboards/<folder>/`` and return its path.

    Datasources are mapped to ``datasource`` variables (see :func:`make_portable`); the uid is kept,
    or derived from folder and title. Re-importing a dashboard (same uid) rewrites its existing file.
    Raises DefinitionError for an unreadable export, a bad folder name, a uid already committed in
    another folder, or a file name taken by another dashboard.
    """
    source = str(exported_path)
    if not FOLDER_SLUG_PATTERN.match(folder):
        raise DefinitionError.single(
            source, "--folder", f"{folder!r}: use lowercase letters, digits and hyphens"
        )
    raw = load_dashboard_file(exported_path, root)
    title = str(raw.dashboard["title"]).strip()
    uid = raw.uid or derived_uid(folder, _file_stem(title))
    if not UID_PATTERN.match(uid):
        raise DefinitionError.single(source, "uid", f"uid {uid!r} must be 1-40 letters, digits, '-' or '_'")
    dashboard = make_portable(normalize(raw.dashboard, uid=uid))

    target = root / DASHBOARDS_DIR / folder / f"{_file_stem(title)}.json"
    existing = _existing_with_uid(root, uid)
    if existing is not None:
        if existing.parent.name != folder:
            raise DefinitionError.single(
                source,
                "uid",
                f"dashboard uid {uid!r} is already committed as {existing.relative_to(root).as_posix()}; "
                f"import it with --folder {existing.parent.name} or move that file first",
            )
        target = existing
    elif target.exists():
        raise DefinitionError.single(
            source,
            "title",
            f"{target.relative_to(root).as_posix()} already holds another dashboard; rename one",
        )
    text = canonical_json(dashboard)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Everything is checked above: a bad export raises before this line, and the old file (a
    # re-import) is replaced in one rename, so it is never left empty.
    write_atomically(target, text, inside=root)
    return target
