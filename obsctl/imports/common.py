"""What every importer shares: where ``--to`` points, never replacing a file without ``--force``,
and a private copy in which new files are loaded as the plan loads them before anything is written."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.catalog.safe_files import require_inside
from infra.errors import DefinitionError


def target_path(project_dir: Path, given: Path | None, default: str) -> Path:
    """``--to`` as given (relative to the working directory), or the default in the project."""
    if given is None:
        return project_dir / default
    target = given if given.is_absolute() else Path.cwd() / given
    require_inside(target, project_dir, str(given))
    return target


def refuse_existing(target: Path, project_dir: Path, force: bool) -> None:
    if (target.exists() or target.is_symlink()) and not force:
        raise DefinitionError.single(
            str(target.relative_to(project_dir)),
            "",
            "exists: pass --force to replace it (git shows what changes)",
        )


def dashboard_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "dashboard"


@contextmanager
def scratch_copy(project_dir: Path, folder: str | None, files: Iterable[tuple[Path, str]]) -> Iterator[Path]:
    """The root of a private copy of the repository's ``folder`` (none: an empty tree) with ``files``
    (repository-relative path, text) written in; removed on exit."""
    with tempfile.TemporaryDirectory(prefix="obsctl-import-") as scratch:
        root = Path(scratch)
        if folder is not None and (project_dir / folder).is_dir():
            shutil.copytree(project_dir / folder, root / folder)
        for relative, text in files:
            copy = root / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(text, encoding="utf-8")
        yield root
