"""``python -m infra.catalog.datadog --write-schema``: regenerate ``schemas/datadog-*.schema.json``.

``python -m infra.catalog.datadog`` alone loads the catalog and reports its problems, if any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.catalog.datadog.catalog import load_catalog
from infra.catalog.datadog.schema import write_schemas
from infra.errors import DefinitionError

REPO_ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalog.datadog", description=__doc__)
    parser.add_argument("--write-schema", action="store_true", help="regenerate the JSON Schemas in schemas/")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)
    if args.write_schema:
        for path in write_schemas(args.root):
            print(f"wrote {path.relative_to(args.root)}")
        return 0
    try:
        catalog = load_catalog(args.root)
    except DefinitionError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{len(catalog.monitors)} monitors, {len(catalog.pipelines)} log pipelines: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
