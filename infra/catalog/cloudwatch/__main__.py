"""``python -m infra.catalog.cloudwatch --write-schema``: regenerate the catalog's JSON Schemas.

Without ``--write-schema`` it checks that the shipped schemas are current (exit 1 if not).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.catalog.cloudwatch.dashboard_schema import DASHBOARD_SCHEMA, dashboard_schema_text
from infra.catalog.cloudwatch.schema import SCHEMA_FILES, schema_text
from infra.catalog.safe_files import write_atomically

_ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalog.cloudwatch", description=__doc__)
    parser.add_argument("--write-schema", action="store_true", help="write schemas/cloudwatch-*.schema.json")
    args = parser.parse_args(argv)
    stale = []
    texts = {relative: schema_text(model) for relative, model in SCHEMA_FILES.items()}
    texts[DASHBOARD_SCHEMA] = dashboard_schema_text()
    for relative, text in texts.items():
        path = _ROOT / relative
        if args.write_schema:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text)
            print(f"wrote {relative}")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    for relative in stale:
        print(
            f"{relative} is out of date: run python -m infra.catalog.cloudwatch --write-schema",
            file=sys.stderr,
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
