"""``make bench``: ``obsctl plan`` timed against its floor, per stack and on generated definitions.

For each case, ``obsctl plan STACK --quiet`` runs as a user runs it (the console script, a fresh
process each time) and so does the floor (``obsctl/bench/floor.py``: the SDK classes of the planned
types imported, every definition file parsed, the same resources registered with no logic in
between). Medians of ``--runs`` alternating runs are printed with their ratio, the plan's peak RSS,
the growth from N to 2N generated definitions, and the drill's time once the tools exist.

A benchmark, not a test: it prints numbers and never fails on one. It exits 1 only when a plan
itself fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.catalog.safe_files import write_atomically
from obsctl.generate import write_definition_set
from obsctl.stackfile import stack_names

GENERATED_STACK = "prod"
SIZES = (1_000, 2_000, 5_000)


class CaseFailed(Exception):
    pass


@dataclass
class Measurement:
    case: str
    stack: str
    definitions: int | None
    resources: int
    plan_seconds: float
    floor_seconds: float
    peak_rss_mib: float

    @property
    def ratio(self) -> float:
        return self.plan_seconds / self.floor_seconds


def _obsctl() -> list[str]:
    """The console script users run, next to this interpreter; the module when not installed."""
    script = Path(sys.executable).parent / "obsctl"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "obsctl.cli"]


def _run(command: list[str], what: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh process; its output is discarded."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            # wait4 gives this child's own resource usage (ru_maxrss is KiB on Linux).
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-6:]
            raise CaseFailed(f"{what} failed (exit {process.returncode}):\n" + "\n".join(tail))
    return elapsed, usage.ru_maxrss / 1024


def measure(
    case: str,
    project_dir: Path,
    stack: str,
    runs: int,
    definitions: Path | None = None,
    files: int | None = None,
) -> Measurement:
    plan = [*_obsctl(), "--project-dir", str(project_dir), "plan", stack, "--quiet"]
    if definitions is not None:
        plan += ["--definitions", str(definitions)]
    with tempfile.TemporaryDirectory(prefix="obsctl-bench-plan-") as scratch:
        document = Path(scratch) / "plan.json"
        _run([*plan, "--json", str(document)], f"obsctl plan {stack}")
        resources = len(json.loads(document.read_text(encoding="utf-8"))["resources"])
        floor = [sys.executable, "-m", "obsctl.bench.floor", str(document), str(definitions or project_dir)]
        floor.append(str(project_dir))
        plans: list[float] = []
        floors: list[float] = []
        peak = 0.0
        for _ in range(runs):
            seconds, rss = _run(plan, f"obsctl plan {stack}")
            plans.append(seconds)
            peak = max(peak, rss)
            floors.append(_run(floor, f"the floor of {stack}")[0])
    return Measurement(
        case, stack, files, resources, statistics.median(plans), statistics.median(floors), peak
    )


def _time_drill(project_dir: Path) -> float | None:
    from infra.catalog.upstream_tools import tool_path

    if any(tool_path(name) is None for name in ("prometheus", "alertmanager", "promtool")):
        print("drill not timed: run `make tools` first", file=sys.stderr)
        return None
    started = time.perf_counter()
    result = subprocess.run(
        [*_obsctl(), "--project-dir", str(project_dir), "drill"], capture_output=True, check=False
    )
    if result.returncode != 0:
        print("note: the drill failed; its time is still reported", file=sys.stderr)
    return time.perf_counter() - started


def _print_header() -> None:
    print(f"{'case':<24} {'resources':>9} {'plan s':>7} {'floor s':>8} {'ratio':>6} {'peak RSS':>9}")


def _print_row(row: Measurement) -> None:
    print(
        f"{row.case:<24} {row.resources:>9} {row.plan_seconds:>7.2f} {row.floor_seconds:>8.2f} "
        f"{row.ratio:>6.2f} {row.peak_rss_mib:>5.0f} MiB",
        flush=True,
    )


def _print_growth(rows: list[Measurement]) -> None:
    """Time at 2N definitions over time at N, for every such pair measured."""
    by_size = {row.definitions: row for row in rows if row.definitions}
    for size, row in sorted(by_size.items()):
        double = by_size.get(2 * size)
        if double is not None:
            growth = double.plan_seconds / row.plan_seconds
            print(f"growth {size} -> {2 * size} definitions: x{growth:.2f} (linear would be at most x2.00)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m obsctl.bench", description=__doc__)
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="generated definition sets")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians are shown (default: 3)")
    parser.add_argument("--stacks", nargs="*", help="stacks to plan (default: every Pulumi.<stack>.yaml)")
    parser.add_argument("--no-drill", dest="drill", action="store_false", help="do not time the drill")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    stacks = args.stacks if args.stacks is not None else stack_names(project_dir)
    runs = max(1, args.runs)

    print(f"obsctl plan against its floor: median of {runs} fresh processes each", flush=True)
    rows: list[Measurement] = []
    failed = False
    cases: list[tuple[str, str, int | None]] = [(f"stack {stack}", stack, None) for stack in stacks]
    cases += [(f"{GENERATED_STACK} + {size:,} generated", GENERATED_STACK, size) for size in args.sizes]
    _print_header()
    for label, stack, size in cases:
        try:
            if size is None:
                row = measure(label, project_dir, stack, runs)
            else:
                with tempfile.TemporaryDirectory(prefix=f"obsctl-bench-{size}-") as scratch:
                    write_definition_set(Path(scratch), size, source=project_dir)
                    row = measure(label, project_dir, stack, runs, Path(scratch), size)
        except CaseFailed as error:
            print(f"{label}: {error}", file=sys.stderr)
            failed = True
            continue
        rows.append(row)
        _print_row(row)
    _print_growth(rows)
    drill = _time_drill(project_dir) if args.drill else None
    if drill is not None:
        print(f"drill (every stack, every scenario): {drill:.1f} s")
    if args.json:
        document = {"plans": [asdict(row) | {"ratio": row.ratio} for row in rows], "drillSeconds": drill}
        write_atomically(args.json, json.dumps(document, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
