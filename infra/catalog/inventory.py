"""Every file under ``dashboards/``, ``alerts/``, ``cloudwatch-dashboards/``, ``cloudwatch-queries/`` and
``metrics/`` is read by a loader or refused, never skipped.

Each loader picks its own files (``*.json`` dashboards, ``*.yaml`` alarm files...). A file no loader
picks would otherwise be ignored without a word: a ``.rules`` file of alerts that never load, an
alarm file saved as ``.txt``. This module knows which paths each loader reads and names every other
file with the reason it is not read. ``README.md`` files document a folder; dotfiles (``.gitkeep``,
an editor's swap file) are not definitions and are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from infra.catalog.safe_files import outside_reason
from infra.errors import Problem

DOCUMENTATION = "README.md"
YAML = (".yaml", ".yml")


def _dashboard(parts: tuple[str, ...]) -> str | None:
    if parts[-1].endswith(".json"):
        return None  # the dashboard loader reads it, or says why its place is wrong
    return "is not a dashboard: dashboards/<folder>/ holds dashboards exported from Grafana as .json files"


def _alerts(parts: tuple[str, ...]) -> str | None:
    name = parts[-1]
    if len(parts) == 2:
        if name == "alertmanager.yaml":
            return None
        return (
            "is not read: alerts/ holds alertmanager.yaml and the folders cloudwatch/, prometheus/ and "
            "datadog/"
        )
    area = parts[1]
    reader = _AREAS.get(area)
    if reader is None:
        return f"is not read: alerts/{area}/ is not a definition folder (known: {', '.join(sorted(_AREAS))})"
    return reader(parts[2:])


def _cloudwatch(parts: tuple[str, ...]) -> str | None:
    if len(parts) == 1 and parts[0].endswith(YAML):
        return None
    if len(parts) > 1:
        return "is not read: alerts/cloudwatch/ reads its own *.yaml files only, not subfolders"
    return "is not read: CloudWatch alarm and log-metric files are YAML (*.yaml or *.yml)"


def _prometheus(parts: tuple[str, ...]) -> str | None:
    vendored = parts[0] == "vendor" and len(parts) > 1
    own = parts[1:] if vendored else parts
    if len(own) == 1 and own[0].endswith(YAML):
        return None
    if len(own) > 1:
        return (
            "is not read: alerts/prometheus/ reads its own rule files and those of vendor/ (upstream's), "
            "not other subfolders"
        )
    return (
        "is not read: rule files end in .yaml or .yml (the name becomes the PrometheusRule's); bring "
        "upstream files of any extension in with `obsctl import prometheus`"
    )


def _datadog(parts: tuple[str, ...]) -> str | None:
    if parts[0] == "pipelines" and len(parts) > 2:
        return "is not read: alerts/datadog/pipelines/ reads its own files only, not subfolders"
    if parts[-1].endswith((*YAML, ".json")):
        return None
    return "is not read: Datadog monitors and pipelines are YAML or JSON files (*.yaml, *.yml, *.json)"


_AREAS: dict[str, Callable[[tuple[str, ...]], str | None]] = {
    "cloudwatch": _cloudwatch,
    "prometheus": _prometheus,
    "datadog": _datadog,
}


def _flat_folder(
    folder: str, suffixes: tuple[str, ...], pattern: str, holds: str, subfolder: str | None = None
) -> Callable[[tuple[str, ...]], str | None]:
    """A folder whose loader reads its own ``suffixes`` files (and those of ``subfolder``) only."""
    own = (
        f"its own {pattern} files and those of {subfolder}/ only, not other"
        if subfolder
        else f"its own {pattern} files only, not"
    )

    def reason(parts: tuple[str, ...]) -> str | None:
        inside = parts[2:] if subfolder and len(parts) == 3 and parts[1] == subfolder else parts[1:]
        if len(inside) == 1 and inside[0].endswith(suffixes):
            return None
        if len(inside) > 1:
            return f"is not read: {folder}/ reads {own} subfolders"
        return f"is not read: {folder}/ holds {holds}"

    return reason


_ROOTS: dict[str, Callable[[tuple[str, ...]], str | None]] = {
    "dashboards": _dashboard,
    "alerts": _alerts,
    "cloudwatch-dashboards": _flat_folder(
        "cloudwatch-dashboards", (".json",), "*.json", "CloudWatch dashboard bodies as .json files"
    ),
    "cloudwatch-queries": _flat_folder(
        "cloudwatch-queries", YAML, "*.yaml", "saved Logs Insights query sets as .yaml files"
    ),
    # metrics/exporters/: the deployed components' inventories (infra.catalog.metrics.exporter_inventory).
    "metrics": _flat_folder(
        "metrics",
        YAML,
        "*.yaml",
        "the application metrics catalog as .yaml files, one per service",
        "exporters",
    ),
}


def unread_files(root: Path) -> list[Problem]:
    """One problem for every file under the definition folders of ``root`` that no loader reads."""
    problems: list[Problem] = []
    for top, reason_for in _ROOTS.items():
        base = root / top
        if not base.is_dir():
            continue
        for directory, subdirectories, files in os.walk(base):
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            for name in subdirectories:
                # os.walk does not enter a linked folder; the loaders' globs may: one leaving the
                # repository is named here (its files are also refused one by one).
                linked = Path(directory, name)
                reason = outside_reason(linked, root) if linked.is_symlink() else None
                if reason is not None:
                    problems.append(Problem(linked.relative_to(root).as_posix(), "", reason))
            for name in sorted(files):
                if name.startswith(".") or name == DOCUMENTATION:
                    continue
                relative = PurePosixPath(Path(directory, name).relative_to(root).as_posix())
                reason = reason_for(relative.parts)
                if reason is not None:
                    problems.append(Problem(str(relative), "", reason))
    return problems
