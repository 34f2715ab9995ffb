"""``python -m infra.catalog.drills --write-schema``: regenerate ``schemas/drill-scenarios.schema.json``.

Without ``--write-schema`` it loads ``drills/`` and reports its problems, if any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.catalog.drills.loader import SCHEMA_FILE, load_drills
from infra.catalog.drills.model import DrillFile
from infra.catalog.safe_files import write_atomically
from infra.errors import DefinitionError

REPO_ROOT = Path(__file__).resolve().parents[3]


def schema_text() -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **DrillFile.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalog.drills", description=__doc__)
    parser.add_argument("--write-schema", action="store_true", help=f"regenerate {SCHEMA_FILE}")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)
    if args.write_schema:
        write_atomically(args.root / SCHEMA_FILE, schema_text())
        print(f"wrote {SCHEMA_FILE}")
        return 0
    try:
        catalog = load_drills(args.root)
    except DefinitionError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{len(catalog.scenarios)} scenarios: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
