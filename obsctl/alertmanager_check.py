"""``amtool check-config`` on the Alertmanager configuration a stack renders, in every plan.

The program checks ``alerts/alertmanager.yaml`` itself (routes, receivers, placeholders); what
only Alertmanager knows (a smarthost without a port, a matcher it cannot parse, a field of a
newer release) shows when it loads the file, after ``pulumi up``. So ``obsctl plan`` renders the
stack's configuration as the program does, with each secret replaced by a stand-in of the shape
its field needs (the real ones never leave the stack), and runs the ``amtool`` built at the
version the pinned chart deploys on it. Without ``amtool`` the plan says it did not check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.catalog.alertmanager import (
    CONFIG_FILE,
    check_config,
    load_alertmanager,
    refusal_reason,
    render,
    stand_in_values,
)
from infra.catalog.upstream_tools import installed_version, tool_path
from infra.config import NAMESPACE, Settings

SETTINGS_KEY = f"{NAMESPACE}alertmanager"


@dataclass(frozen=True)
class AmtoolVerdict:
    summary: str
    """One line for the plan: what was checked, with which amtool."""
    refusal: list[str]
    """amtool's own words when it refuses the rendered configuration; empty otherwise."""
    unchecked: bool = False


def deployed_version() -> str:
    from obsctl.toolchain import pinned_tools

    return next(tool.version for tool in pinned_tools() if tool.name == "amtool")


def check_stack_alertmanager(settings: Settings, root: Path) -> AmtoolVerdict | None:
    """None for a stack without a monitoring cluster (it deploys no Alertmanager)."""
    path = root / CONFIG_FILE
    if settings.monitoring_cluster is None or not path.is_file():
        return None
    config = load_alertmanager(path, root)
    secrets, _ = stand_in_values(config)
    rendered = render(config, secrets, settings.alertmanager.values, source=settings.stack_file)
    wanted = deployed_version()
    executable = tool_path("amtool")
    if executable is None:
        return AmtoolVerdict(
            f"Alertmanager config: NOT checked by amtool (not installed; `make tools` builds {wanted})",
            [],
            unchecked=True,
        )
    version = installed_version(executable) or "of unknown version"
    run = check_config(rendered)
    which = f"amtool {version}" + ("" if version == wanted else f", not {wanted} as deployed")
    if run.ok:
        return AmtoolVerdict(f"Alertmanager config: amtool check-config passed ({which})", [])
    return AmtoolVerdict(
        f"Alertmanager config: amtool check-config FAILED ({which})",
        [
            f"{CONFIG_FILE}, rendered for stack {settings.stack} (values: {settings.stack_file} "
            f"{SETTINGS_KEY}), is refused by amtool check-config ({which}): "
            f"{refusal_reason(run)}"
        ],
    )
