"""Running the real upstream CLIs (``promtool``, ``amtool``) and capturing what they say.

The catalog checks what it can in Python; these tools check what only upstream knows (annotation
templates, matcher syntax, receiver fields), so the test suite runs both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOOLS_BIN = Path(__file__).resolve().parents[2] / ".tools" / "bin"
"""Where ``make tools`` builds the tools at the charts' versions; searched before PATH."""

DEBIAN_NAMES = {"alertmanager": ("prometheus-alertmanager",)}
"""Debian installs some tools under another name."""

_VERSION = re.compile(r"version (\d+\.\d+\.\d+)")


class MissingToolError(RuntimeError):
    """A tool is neither built into ``.tools/bin`` nor on PATH. The test suite skips (and lists)
    what needs it on a machine where ``make tools`` could not install it."""

    def __init__(self, *tools: str) -> None:
        names = ", ".join(tools)
        super().__init__(
            f"{names} {'is' if len(tools) == 1 else 'are'} neither in {TOOLS_BIN} nor on PATH: run `make tools`"
        )
        self.tools = tools


def require_tool(tool: str) -> Path:
    """The binary ``tool`` resolves to, or :class:`MissingToolError`."""
    found = tool_path(tool)
    if found is None:
        raise MissingToolError(tool)
    return found


def tools_required() -> bool:
    """CI sets ``OBSCTL_REQUIRE_TOOLS=1``: a check that cannot run for want of a tool fails there."""
    return os.environ.get("OBSCTL_REQUIRE_TOOLS") == "1"


def tool_path(tool: str) -> Path | None:
    """The binary ``tool`` resolves to: ``.tools/bin`` first (the pinned build), then PATH."""
    local = TOOLS_BIN / tool
    if local.is_file() and os.access(local, os.X_OK):
        return local
    for name in (tool, *DEBIAN_NAMES.get(tool, ())):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@cache
def installed_version(executable: Path) -> str | None:
    """``3.14.0`` from ``promtool --version`` and the like; None when it says no version."""
    try:
        completed = subprocess.run(
            (str(executable), "--version"), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = completed.stdout + completed.stderr
    match = _VERSION.search(text) or re.search(r"^v?(\d+\.\d+\.\d+)", text.strip())
    return match.group(1) if match else None


@dataclass(frozen=True)
class ToolRun:
    command: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}\n(exit {self.returncode})\n{self.output}"


def run_tool(tool: str, *args: str, cwd: Path | None = None, timeout: float = 120) -> ToolRun:
    """Run ``tool`` with ``args``; stdout and stderr are captured together, exit status kept."""
    executable = require_tool(tool)
    completed = subprocess.run(
        (str(executable), *args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return ToolRun((tool, *args), completed.returncode, completed.stdout + completed.stderr)
