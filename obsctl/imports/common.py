"""What every importer shares: where ``--to`` points, and never replacing a file without ``--force``."""

from __future__ import annotations

import re
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
