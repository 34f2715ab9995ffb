"""Running the real upstream CLIs (``promtool``, ``amtool``) and capturing what they say.

The catalog checks what it can in Python; these tools check what only upstream knows (annotation
templates, matcher syntax, receiver fields), so the test suite runs both.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


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
    executable = shutil.which(tool)
    if executable is None:
        raise RuntimeError(
            f"{tool} is not on PATH: run `make tools` (Debian packages prometheus, prometheus-alertmanager)"
        )
    completed = subprocess.run(
        (executable, *args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return ToolRun((tool, *args), completed.returncode, completed.stdout + completed.stderr)
