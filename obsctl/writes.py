"""Writing what obsctl produces: ``-`` means stdout; a file is replaced atomically.

A reader of the file (an editor, a CI step, another obsctl) sees the old content or the new one,
never a half-written or empty file: the text goes to a temporary file beside the target, which then
replaces it in one rename.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path


def write_output(target: str | Path, text: str) -> None:
    if str(target) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomically(Path(target), text)


def write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
