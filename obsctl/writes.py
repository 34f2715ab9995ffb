"""Writing what obsctl produces: ``-`` means stdout; a file is replaced atomically.

A reader of the file (an editor, a CI step, another obsctl) sees the old content or the new one,
never a half-written or empty file: see :func:`infra.catalog.safe_files.write_atomically`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infra.catalog.safe_files import write_atomically

__all__ = ["write_atomically", "write_output"]


def write_output(target: str | Path, text: str) -> None:
    if str(target) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomically(Path(target), text)
