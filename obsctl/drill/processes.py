"""Starting the real ``prometheus`` and ``alertmanager`` and making sure none outlives the drill.

Every process is started from the main thread into a :class:`ProcessGroup`, which stops all of them
when its ``with`` block ends, however it ends: success, a failed expectation, an exception,
Ctrl-C (SIGINT) or SIGTERM/SIGHUP (turned into :class:`Interrupted` by :func:`interruptible`). On
Linux each child also asks the kernel to kill it if obsctl itself dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 5.0


class LabError(Exception):
    """A lab process could not start or stopped by itself; the message quotes its log."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled like Ctrl-C, so the processes are stopped the same way."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread while the block runs.

    Elsewhere (a drill run from a worker thread) signals cannot be caught; the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, _raise) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class LabProcess:
    def __init__(self, name: str, command: list[str], log_path: Path, ready_url: str) -> None:
        self.name = name
        self.command = command
        self.log_path = log_path
        self.ready_url = ready_url
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=log_path.parent,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LabError(
                    f"{self.name} stopped at start (exit {self.process.returncode}):\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise LabError(f"{self.name} was not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class ProcessGroup:
    """Owns every process a drill starts; leaving the ``with`` block stops them all."""

    def __init__(self) -> None:
        self.processes: list[LabProcess] = []

    def start(self, name: str, command: list[str], log_path: Path, ready_url: str) -> LabProcess:
        process = LabProcess(name, command, log_path, ready_url)
        self.processes.append(process)
        return process

    def stop(self, processes: list[LabProcess]) -> None:
        for process in processes:
            process.stop()
            if process in self.processes:
                self.processes.remove(process)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.process.poll() is None:
                process.process.terminate()
        for process in self.processes:
            process.stop()
        self.processes.clear()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # A second Ctrl-C while stopping must not leave the rest running: keep stopping.
        while True:
            try:
                self.stop_all()
                return
            except KeyboardInterrupt:
                continue
