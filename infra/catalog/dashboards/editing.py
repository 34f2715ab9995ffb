"""The editing workflow: import a dashboard exported from Grafana, format every committed file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from infra.catalog.safe_files import read_bytes, write_atomically
from infra.errors import DefinitionError, ProblemCollector

from .catalog import default_uid_for
from .library_panels import inline_library_panels
from .loader import (
    DASHBOARDS_DIR,
    FOLDER_SLUG_PATTERN,
    UID_PATTERN,
    derived_uid,
    discover,
    folder_safe_uid,
    folder_uid,
    load_dashboard_file,
)
from .model import GENERAL_FOLDER, RawDashboard
from .normalize import canonical_json, normalize
from .portable import make_portable
from .usage import DatasourceUse, datasource_usage


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


@dataclass(frozen=True)
class ImportedDashboard:
    """What :func:`adopt_dashboard` wrote and what the user still has to know."""

    path: Path
    uid: str
    datasources: tuple[DatasourceUse, ...]
    """Every datasource type the dashboard uses, where, and whether only through a link."""
    notes: tuple[str, ...] = field(default=())
    """Decisions taken for the user (a uid changed), one sentence each."""


def _committed(root: Path) -> list[RawDashboard]:
    committed: list[RawDashboard] = []
    for path in discover(root)[0]:
        try:
            committed.append(load_dashboard_file(path, root))
        except DefinitionError:
            continue
    return committed


def _folder_uids(root: Path, committed: list[RawDashboard], folder: str) -> dict[str, str]:
    """uid -> folder directory, for every folder the catalog creates once ``folder`` exists."""
    slugs = {raw.folder for raw in committed if raw.folder} | {folder}
    for directory in (root / DASHBOARDS_DIR).glob("*/") if (root / DASHBOARDS_DIR).is_dir() else []:
        if directory.is_dir() and FOLDER_SLUG_PATTERN.match(directory.name):
            slugs.add(directory.name)
    return {folder_uid(slug): slug for slug in slugs - {GENERAL_FOLDER}}


def _choose_uid(
    raw: RawDashboard, folder: str, stem: str, given: str | None, folder_uids: dict[str, str], derive: bool
) -> tuple[str, list[str]]:
    source = raw.source
    uid = given or raw.uid or derived_uid(folder, stem)
    location = "--uid" if given else "uid"
    if not UID_PATTERN.match(uid):
        raise DefinitionError.single(
            source, location, f"uid {uid!r} must be 1-40 letters, digits, '-' or '_'"
        )
    if uid not in folder_uids:
        return uid, []
    replacement = folder_safe_uid(folder, stem, set(folder_uids))
    clash = (
        f"uid {uid!r} is the uid of folder dashboards/{folder_uids[uid]}/ (Grafana gives folders and "
        f"dashboards uids from one set, so the deploy would fail)"
    )
    if given or not derive:
        raise DefinitionError.single(
            source, location, f"{clash}: choose another, e.g. {replacement!r}, and set it in the file"
        )
    note = (
        f"{source}: uid: {clash}; imported with uid {replacement!r} instead. Links to /d/{uid} must "
        f"follow; to choose the uid yourself, set it in the export and import again"
    )
    return replacement, [note]


def _check_folder_is_free(source: str, folder: str, committed: list[RawDashboard], uid_taken_by: str) -> None:
    # The folder the import creates takes a uid too: an existing dashboard may already hold it.
    for raw in committed:
        if raw.folder != folder and default_uid_for(raw) == folder_uid(folder) and raw.source != uid_taken_by:
            raise DefinitionError.single(
                source,
                "--to",
                f"dashboards/{folder}/ would become a Grafana folder with uid {folder_uid(folder)!r}, "
                f"the uid of dashboard {raw.source}; import into another folder",
            )


def _existing_with_uid(committed: list[RawDashboard], uid: str) -> RawDashboard | None:
    return next((raw for raw in committed if default_uid_for(raw) == uid), None)


def import_dashboard(exported_path: Path, folder: str, root: Path, *, uid: str | None = None) -> Path:
    """:func:`adopt_dashboard` for callers that cannot show notes: a uid that needs changing is an
    error (naming the file, the uid and the folder it collides with) instead of a note."""
    return adopt_dashboard(exported_path, folder, root, uid=uid, derive_uid_on_collision=False).path


def adopt_dashboard(
    exported_path: Path,
    folder: str,
    root: Path,
    *,
    uid: str | None = None,
    derive_uid_on_collision: bool = True,
) -> ImportedDashboard:
    """Write an exported dashboard (any accepted shape) as a canonical file under
    ``root/dashboards/<folder>/``.

    Datasources are mapped to ``datasource`` variables (see :func:`make_portable`), references that
    name none but whose queries say their type get it written in; the uid is ``uid``, else the
    export's, else derived from folder and title. A uid that is a folder's is replaced by a derived
    one (with a note), or refused without ``derive_uid_on_collision``. Re-importing a dashboard
    (same uid) rewrites its existing file. Raises DefinitionError for an unreadable export, a bad
    folder name, a uid already committed in another folder, or a file name taken by another dashboard.
    """
    source = str(exported_path)
    if not FOLDER_SLUG_PATTERN.match(folder):
        raise DefinitionError.single(
            source, "--folder", f"{folder!r}: use lowercase letters, digits and hyphens"
        )
    raw = load_dashboard_file(exported_path, root)
    title = str(raw.dashboard["title"]).strip()
    stem = _file_stem(title)
    committed = _committed(root)
    folder_uids = _folder_uids(root, committed, folder)
    uid, notes = _choose_uid(raw, folder, stem, uid, folder_uids, derive_uid_on_collision)
    exported, inlined = inline_library_panels(raw.dashboard)
    notes = [*notes, *(f"{source}: {note}" for note in inlined)]
    normalized = normalize(exported, uid=uid)
    normalized["uid"] = uid  # the export's own, or the one chosen instead of it
    dashboard = make_portable(normalized)

    target = root / DASHBOARDS_DIR / folder / f"{stem}.json"
    existing = _existing_with_uid(committed, uid)
    _check_folder_is_free(source, folder, committed, existing.source if existing else "")
    if existing is not None:
        existing_path = root / existing.source
        if existing.folder != folder:
            raise DefinitionError.single(
                source,
                "uid",
                f"dashboard uid {uid!r} is already committed as {existing.source}; "
                f"import it into that folder (obsctl import dashboard --to dashboards/{existing.folder}, "
                f"obsctl dashboard import --folder {existing.folder}) or move that file first",
            )
        target = existing_path
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
    uses = datasource_usage(normalized, dashboard)
    return ImportedDashboard(path=target, uid=uid, datasources=tuple(uses), notes=tuple(notes))
