"""Reading catalog files: YAML or JSON, with errors that name the file and line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from infra.catalog.strict_yaml import load_document
from infra.errors import DefinitionError


def display_path(path: Path, root: Path) -> str:
    # abspath, not resolve(): a symlinked folder (../shared linked from elsewhere) keeps the path the
    # user gave, so messages do not change with how the files are linked.
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def read_document(path: Path, source: str) -> Any:
    """Parse a YAML or JSON file; a syntax error or a key defined twice names the file and line."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return load_document(text, source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError.single(source, f"line {error.lineno}", f"invalid JSON: {error.msg}") from None
