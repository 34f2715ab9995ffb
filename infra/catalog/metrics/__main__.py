"""``python -m infra.catalog.metrics --write-schema``: regenerate ``schemas/metrics.schema.json``.

Without ``--write-schema`` it checks that the shipped schema is current (exit 1 if not).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.catalog.cloudwatch.schema import schema_text
from infra.catalog.metrics.loader import METRICS_SCHEMA
from infra.catalog.metrics.model import MetricsFile
from infra.catalog.safe_files import write_atomically

_ROOT = Path(__file__).resolve().parents[3]


def metrics_schema_text() -> str:
    return schema_text(MetricsFile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalog.metrics", description=__doc__)
    parser.add_argument("--write-schema", action="store_true", help=f"write {METRICS_SCHEMA}")
    args = parser.parse_args(argv)
    path = _ROOT / METRICS_SCHEMA
    text = metrics_schema_text()
    if args.write_schema:
        write_atomically(path, text)
        print(f"wrote {METRICS_SCHEMA}")
        return 0
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        print(
            f"{METRICS_SCHEMA} is out of date: run python -m infra.catalog.metrics --write-schema",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
