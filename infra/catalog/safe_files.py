"""Reading and writing files so that no input can hang, exhaust memory or reach outside the tree.

Reading: only regular files (a FIFO would block forever, ``/dev/zero`` never ends), at most
:data:`MAX_FILE_BYTES`, decoded as UTF-8 (or UTF-16 with a byte order mark) with a bad byte reported
by line and column. A file found by walking the repository's definition folders must stay inside
the repository once symlinks are followed: a link to ``~/.aws/credentials`` named ``x.json`` is
refused, not uploaded as a dashboard.

Writing: a temporary file beside the target, then one rename, so a reader sees the old content or
the new one, never an empty or half-written file, and a failure leaves the old file as it was.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from infra.errors import DefinitionError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""8 MiB: 17 times the largest dashboard of the reference corpus (node-exporter-full, 470 KB) and
four times a 5,000-monitor Datadog catalog in one file; a bigger definition file is a mistake or an
attack, and parsing it would take the plan's memory and time."""

_NONBLOCKING = getattr(os, "O_NONBLOCK", 0)
"""Opening a FIFO for reading blocks until a writer appears; non-blocking, it opens and is refused."""
_NO_INHERIT = getattr(os, "O_CLOEXEC", 0)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def outside_reason(path: Path, root: Path) -> str | None:
    """Why ``path`` (found under ``root``) leaves the repository once symlinks are followed; None if not."""
    if not _may_leave(path, root):
        return None
    real, top = os.path.realpath(path), os.path.realpath(root)
    if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
        return None
    return (
        f"resolves to {real}, outside the repository (a symlink): refused, definitions live in the repository"
    )


def _may_leave(path: Path, root: Path) -> bool:
    """False when no part of ``path`` below ``root`` is a symlink: a few lstat calls instead of
    resolving both paths, for each of thousands of files."""
    if os.pardir in Path(path).parts:
        return True
    current, top = os.path.abspath(path), os.path.abspath(root)
    if current != top and not current.startswith(top.rstrip(os.sep) + os.sep):
        return True
    while current != top:
        if os.path.islink(current):
            return True
        current = os.path.dirname(current)
    return False


def require_inside(path: Path, root: Path, source: str) -> None:
    """Raise DefinitionError naming ``source`` when ``path`` resolves outside ``root``."""
    reason = outside_reason(path, root)
    if reason is not None:
        raise DefinitionError.single(source, "", reason)


def read_bytes(path: Path, source: str, *, inside: Path | None = None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    With ``inside`` (the repository root, for files found by walking its folders), the file must
    resolve inside it. Raises DefinitionError naming ``source`` otherwise, and for a FIFO, a device,
    a directory, a file too big or one that cannot be read.
    """
    if inside is not None:
        require_inside(path, inside, source)
    try:
        # stat first: opening some devices has effects of its own; a FIFO would block.
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise DefinitionError.single(source, "", f"is {_kind(mode)}: only regular files are read")
        descriptor = os.open(path, os.O_RDONLY | _NONBLOCKING | _NO_INHERIT)
    except OSError as error:
        raise DefinitionError.single(source, "", f"cannot be read: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):  # replaced between the stat and the open
            raise DefinitionError.single(source, "", f"is {_kind(info.st_mode)}: only regular files are read")
        if info.st_size > limit:
            raise DefinitionError.single(source, "", _too_big(info.st_size, limit))
        chunks, total = [], 0
        while total <= limit:  # the size read, not the size stat reported: a file may grow
            chunk = os.read(descriptor, min(limit + 1 - total, max(info.st_size - total + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise DefinitionError.single(source, "", f"cannot be read: {error.strerror}") from None
    finally:
        os.close(descriptor)
    if total > limit:
        raise DefinitionError.single(source, "", _too_big(total, limit))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_big(size: int, limit: int) -> str:
    return f"is {size:,} bytes: files larger than {limit // (1024 * 1024)} MiB are not read"


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a byte order mark dropped), or UTF-16 with a byte order mark, as PowerShell writes.

    An invalid byte is reported by line and column, counted in bytes of that line.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DefinitionError.single(
                source, f"byte {error.start}", f"is not valid UTF-16 text: {error.reason}"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DefinitionError.single(
            source,
            f"line {line}, column {column} (byte {error.start})",
            f"is not UTF-8 text: byte 0x{data[error.start]:02x} {error.reason} (save the file as UTF-8)",
        ) from None


def read_text(path: Path, source: str, *, inside: Path | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """:func:`read_bytes`, then :func:`decode_text`."""
    return decode_text(read_bytes(path, source, inside=inside, limit=limit), source)


def write_atomically(path: Path, text: str, *, inside: Path | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8, newlines as given) in one rename.

    A symlink is written through (its target is replaced, the link stays). With ``inside``, that
    target must be inside the root: a file under the repository linked to one outside is refused
    and nothing is written. A new file gets the usual permissions (umask applied); a replaced one
    keeps its mode. On any failure the temporary file is removed and the old file is untouched; a
    file that cannot be written (no such folder, no permission, disk full) is a DefinitionError.
    """
    shown = str(path)
    if inside is not None:
        shown = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(inside))).as_posix()
        require_inside(path, inside, shown)
    target = Path(os.path.realpath(path))
    try:
        try:
            previous_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            previous_mode = None
        descriptor, temporary = _create_beside(target)
    except OSError as error:
        raise DefinitionError.single(shown, "", f"cannot be written: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if previous_mode is not None:
            os.chmod(temporary, previous_mode)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise DefinitionError.single(shown, "", f"cannot be written: {error.strerror}") from None
        raise


def _create_beside(target: Path) -> tuple[int, str]:
    """A new file next to ``target`` (same file system, so the rename is atomic), mode 0666 - umask."""
    for _ in range(100):
        temporary = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_INHERIT
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no free temporary file name", str(target.parent))
