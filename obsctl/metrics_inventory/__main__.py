"""Command line of :mod:`obsctl.metrics_inventory`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.catalog.metrics.exporter_inventory import SCHEMA_FILE, schema_text
from infra.catalog.safe_files import write_atomically
from infra.catalog.upstream_tools import MissingToolError
from infra.errors import DefinitionError
from obsctl.drill.processes import LabError
from obsctl.metrics_inventory import COMPONENTS, SCRAPE_TARGETS, check, generate, inventory_path, render
from obsctl.metrics_inventory.scrape import ScrapeError
from obsctl.metrics_inventory.upstream import UpstreamError

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m obsctl.metrics_inventory", description=sys.modules["obsctl.metrics_inventory"].__doc__
    )
    parser.add_argument("--component", choices=COMPONENTS, action="append", help="default: every scraped one")
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; write nothing"
    )
    parser.add_argument(
        "--upstream-clone",
        type=Path,
        help="git clone of the component's upstream repository (upstream-source components)",
    )
    parser.add_argument("--write-schema", action="store_true", help=f"regenerate {SCHEMA_FILE} only")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)
    if args.write_schema:
        write_atomically(args.root / SCHEMA_FILE, schema_text(), inside=args.root)
        print(f"wrote {SCHEMA_FILE}")
        return 0
    components = args.component or (list(COMPONENTS) if args.check else list(SCRAPE_TARGETS))
    failures = 0
    for component in components:
        try:
            if args.check:
                problem = check(args.root, component, args.upstream_clone)
                print(problem or f"{component}: up to date", file=sys.stderr if problem else sys.stdout)
                failures += problem is not None
                continue
            path = inventory_path(args.root, component)
            inventory = generate(component, args.upstream_clone)
            write_atomically(path, render(inventory), inside=args.root)
            print(
                f"wrote {path.relative_to(args.root)} ({len(inventory.metrics)} metrics, {inventory.version})"
            )
        except (MissingToolError, ScrapeError, LabError, UpstreamError, DefinitionError, ValueError) as error:
            print(f"{component}: {error}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
