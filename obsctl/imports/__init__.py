"""``obsctl import KIND FILE... [--to PATH] [--force]``: what a team already runs, as definition files.

Each kind reads the files people have (exports, Kubernetes Secrets, console sources), writes the
canonical definition file inside the repository, never over an existing one without ``--force``,
refuses a file the target system itself would refuse (saying why), and prints what it wrote and
what the user still has to decide. Kinds: ``alertmanager``, ``cloudformation`` (its CloudWatch
alarms, composite alarms, metric filters, saved Logs Insights queries and dashboards), ``cloudwatch-dashboard``, ``dashboard`` (Grafana; the same as
``obsctl dashboard import``), ``prometheus`` (upstream rule files, vendored under
``alerts/prometheus/vendor/``), ``promtool-test`` (their unit tests, ``rule_files`` rewritten) and
``datadog`` (monitors: UI/API exports, integration package monitors, catalogs keyed by id).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

KINDS = {
    # kind -> (module under obsctl.imports, function): imported only when that kind runs.
    "alertmanager": ("alertmanager", "run"),
    "cloudformation": ("cloudwatch", "run_cloudformation"),
    "cloudwatch-dashboard": ("cloudwatch", "run_dashboards"),
    "dashboard": ("grafana", "run"),
    "datadog": ("datadog", "run"),
    "prometheus": ("prometheus", "run"),
    "promtool-test": ("promtool_test", "run"),
}


def add_import_parser(commands: Any, handler: Callable[[argparse.Namespace], int]) -> None:
    parser = commands.add_parser(
        "import",
        help="bring existing definitions in: Alertmanager configs, CloudWatch and Grafana dashboards",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=sorted(KINDS), help="what the files are")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help="where to write (alertmanager: a file, default alerts/alertmanager.yaml; cloudwatch-dashboard: "
        "a folder, default cloudwatch-dashboards/; dashboard: a folder under dashboards/, required; "
        "datadog: one .yaml file for every input, default alerts/datadog/<input name>.yaml each; "
        "prometheus: a folder, default alerts/prometheus/vendor/; promtool-test: a folder, default "
        "tests/promtool/vendor/)",
    )
    parser.add_argument("--name", help="prometheus: the vendored file's name (default: from the file's)")
    parser.add_argument("--uid", help="dashboard: the uid to give the one imported dashboard")
    parser.add_argument(
        "--rule-file",
        action="append",
        default=[],
        metavar="ORIGINAL=IMPORTED",
        help="promtool-test: the imported rule file an entry of rule_files stands for (repeatable)",
    )
    parser.add_argument("--force", action="store_true", help="replace a file that exists")
    parser.add_argument("--stack", default="<stack>", help="the stack the printed commands name")
    parser.set_defaults(handler=handler)


def import_command(args: argparse.Namespace, project_dir: Path) -> int:
    module_name, function = KINDS[args.kind]
    module = importlib.import_module(f"obsctl.imports.{module_name}")
    result: int = getattr(module, function)(args, project_dir)
    return result
