"""``obsctl import dashboard``: Grafana dashboards as exported (the same as ``obsctl dashboard import``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from infra.errors import DefinitionError


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.dashboards import import_dashboard

    if args.to is None:
        raise DefinitionError.single(
            "obsctl import dashboard", "--to", "names the folder: --to dashboards/platform"
        )
    folder = args.to.name if args.to.parent.name == "dashboards" else str(args.to)
    for source in args.files:
        written = import_dashboard(source, folder, project_dir)
        print(f"wrote {written.relative_to(project_dir)}")
    return 0
