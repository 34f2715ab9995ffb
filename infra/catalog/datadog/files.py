"""Reading catalog files: YAML or JSON, with errors that name the file and line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text
from infra.catalog.strict_json import load_json
from infra.catalog.strict_yaml import load_document


def display_path(path: Path, root: Path) -> str:
    # abspath, not resolve(): a symlinked folder (../shared linked from elsewhere) keeps the path the
    # user gave, so messages do not change with how the files are linked.
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def read_document(path: Path, source: str, tree: Path) -> Any:
    """Parse a YAML or JSON file found under ``tree``; a syntax error or a key defined twice names
    the file and line (see :mod:`infra.catalog.safe_files` for what is refused before parsing)."""
    text = read_text(path, source, inside=tree)
    if path.suffix != ".json":
        return load_document(text, source)
    return load_json(text, source)
