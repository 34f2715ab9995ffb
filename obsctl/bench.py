"""``make bench``: times ``obsctl plan`` per stack and on generated definition sets, and
``obsctl drill`` over every stack once the tools are installed.

A benchmark, not a test: it prints a table and never fails on a number. Each measurement runs
``obsctl plan`` in a fresh process, as a user would, so imports and start-up count.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.catalog.safe_files import write_atomically
from obsctl.generate import write_definition_set

SIZES = (100, 1_000, 5_000)


def _time_plan(project_dir: Path, stack: str, definitions: Path | None = None) -> tuple[float, int, str]:
    command = [sys.executable, "-X", "importtime", "-m", "obsctl.cli", "--project-dir", str(project_dir)]
    command += ["plan", stack, "--quiet"]
    if definitions is not None:
        command += ["--definitions", str(definitions)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    count = 0
    for line in result.stdout.splitlines():
        if line.startswith("Resources:"):
            count = int(line.split()[1])
    datadog = "yes" if "pulumi_datadog" in result.stderr else "no"
    if result.returncode != 0:
        tail = [line for line in result.stderr.splitlines() if not line.startswith("import time:")][-5:]
        raise SystemExit(f"obsctl plan {stack} failed:\n" + "\n".join(tail))
    return elapsed, count, datadog


def _time_drill(project_dir: Path) -> float | None:
    """Wall time of ``obsctl drill`` over every stack; None (and a note) without the tools."""
    from infra.catalog.upstream_tools import tool_path

    if any(tool_path(name) is None for name in ("prometheus", "alertmanager", "promtool")):
        print("drill not timed: run `make tools` first", file=sys.stderr)
        return None
    command = [sys.executable, "-m", "obsctl.cli", "--project-dir", str(project_dir), "drill"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print("note: the drill failed; its time is still reported", file=sys.stderr)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m obsctl.bench", description=__doc__)
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()

    rows: list[dict[str, object]] = []
    for stack in ("staging", "prod"):
        seconds, resources, datadog = _time_plan(project_dir, stack)
        rows.append(
            {
                "case": f"stack {stack}",
                "files": "-",
                "resources": resources,
                "seconds": seconds,
                "datadog": datadog,
            }
        )
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"obsctl-bench-{size}-") as scratch:
            root = Path(scratch)
            write_definition_set(root, size)
            seconds, resources, datadog = _time_plan(project_dir, "prod", root)
            rows.append(
                {
                    "case": "generated (prod)",
                    "files": size,
                    "resources": resources,
                    "seconds": seconds,
                    "datadog": datadog,
                }
            )

    drill = _time_drill(project_dir)
    if drill is not None:
        rows.append(
            {"case": "drill (every stack)", "files": "-", "resources": "-", "seconds": drill, "datadog": "-"}
        )
    print(f"{'case':<22} {'files':>6} {'resources':>10} {'seconds':>8}  pulumi_datadog imported")
    for row in rows:
        print(
            f"{row['case']:<22} {row['files']!s:>6} {row['resources']!s:>10} {row['seconds']:>8.2f}  {row['datadog']}"
        )
    if args.json:
        write_atomically(args.json, json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
