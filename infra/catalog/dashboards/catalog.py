"""The whole ``dashboards/`` tree for one environment: loaded, resolved, linted, cross-checked."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.errors import DefinitionError, Problem, ProblemCollector

from .datasources import resolve_with_problems
from .linter import lint
from .loader import (
    FOLDER_SLUG_PATTERN,
    UID_PATTERN,
    derived_uid,
    discover,
    folder_safe_uid,
    folder_uid,
    load_dashboard_file,
)
from .model import (
    GENERAL_FOLDER,
    Dashboard,
    DashboardCatalog,
    DeclaredDatasource,
    Folder,
    JsonObject,
    LintReport,
    RawDashboard,
)
from .normalize import normalize
from .panels import iter_panels

_DASHBOARD_LINK = re.compile(r"/d/([A-Za-z0-9_-]{1,40})(?=[/?#\"'\s)]|$)")
"""``/d/<uid>`` in a link URL or markdown: the uid-based dashboard URL of Grafana 5 and later."""


def default_uid_for(raw: RawDashboard) -> str:
    return raw.uid or derived_uid(raw.folder, Path(raw.source).stem)


def check_dashboard(
    raw: RawDashboard, declared: Sequence[DeclaredDatasource], default_uid: str
) -> tuple[JsonObject, LintReport]:
    """The model sent to Grafana for one environment and everything wrong with it.

    normalize -> resolve datasources -> lint. Resolution failures are errors of the report.
    """
    uid = default_uid_for(raw)
    normalized = normalize(raw.dashboard, uid=uid)
    warnings: list[Problem] = []
    config, problems = resolve_with_problems(
        normalized, declared, default_uid, raw.source, copy=False, warnings=warnings
    )
    report = lint(config, raw.source)
    report.errors[:0] = problems
    report.warnings[:0] = warnings
    if raw.uid is None:
        report.warn(
            raw.source, "uid", f"the file sets no uid; using {uid!r} (`obsctl dashboard fmt` writes it in)"
        )
    elif not UID_PATTERN.match(raw.uid):
        report.error(raw.source, "uid", f"uid {raw.uid!r} must be 1-40 letters, digits, '-' or '_'")
    return config, report


def folder_title(slug: str) -> str:
    """``external-metrics`` -> ``External Metrics``."""
    return " ".join(word.capitalize() for word in slug.split("-"))


def _folders(
    slugs: set[str], titles: Mapping[str, str], collector: ProblemCollector, settings_source: str
) -> dict[str, Folder]:
    for slug in sorted(set(titles) - slugs - {GENERAL_FOLDER}):
        collector.add(settings_source, f"folders.{slug}", f"no directory dashboards/{slug}/ holds dashboards")
    folders: dict[str, Folder] = {}
    by_title: dict[str, str] = {}
    for slug in sorted(slugs - {GENERAL_FOLDER}):
        title = titles.get(slug, folder_title(slug)).strip()
        if not title:
            collector.add(settings_source, f"folders.{slug}", "a folder title cannot be empty")
            continue
        if title.casefold() in by_title:
            collector.add(
                settings_source,
                f"folders.{slug}",
                f"folder title {title!r} is also the title of dashboards/{by_title[title.casefold()]}/",
            )
        by_title[title.casefold()] = slug
        folders[slug] = Folder(slug=slug, title=title, uid=folder_uid(slug))
    return folders


def _check_identity(
    dashboards: list[Dashboard], folders: Mapping[str, Folder], collector: ProblemCollector
) -> None:
    owners: dict[str, str] = {folder.uid: f"folder dashboards/{slug}/" for slug, folder in folders.items()}
    titles: dict[tuple[str, str], str] = {}
    folder_uids = {folder.uid for folder in folders.values()}
    for dashboard in dashboards:
        if dashboard.uid in folder_uids:
            collector.add(
                dashboard.source,
                "uid",
                f"uid {dashboard.uid!r} is already used by {owners[dashboard.uid]} (Grafana gives folders "
                f"and dashboards uids from one set); set another uid in the file, e.g. "
                f"{folder_safe_uid(dashboard.folder, Path(dashboard.source).stem, folder_uids)!r}, or "
                f"re-import it with `obsctl import dashboard`, which derives one",
            )
        elif dashboard.uid in owners:
            collector.add(
                dashboard.source, "uid", f"uid {dashboard.uid!r} is already used by {owners[dashboard.uid]}"
            )
        else:
            owners[dashboard.uid] = dashboard.source
        key = (dashboard.folder, dashboard.title.casefold())
        if key in titles:
            collector.add(
                dashboard.source,
                "title",
                f"title {dashboard.title!r} is already used in folder {dashboard.folder!r} by {titles[key]}",
            )
        else:
            titles[key] = dashboard.source


def _link_texts(config: Mapping[str, Any]) -> Iterator[str]:
    for link in config.get("links") or []:
        if isinstance(link, dict) and isinstance(link.get("url"), str):
            yield link["url"]
    for ref in iter_panels(dict(config)):
        for link in ref.panel.get("links") or []:
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                yield link["url"]
        options = ref.panel.get("options")
        if (
            ref.panel.get("type") == "text"
            and isinstance(options, dict)
            and isinstance(options.get("content"), str)
        ):
            yield options["content"]


def _check_links(dashboards: list[Dashboard]) -> list[Problem]:
    uids = {d.uid for d in dashboards}
    warnings: list[Problem] = []
    for dashboard in dashboards:
        linked = {uid for text in _link_texts(dashboard.config) for uid in _DASHBOARD_LINK.findall(text)}
        for uid in sorted(linked - uids):
            warnings.append(
                Problem(dashboard.source, "links", f"links to /d/{uid}, which is no dashboard here")
            )
    return warnings


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    # Parsed JSON holds no reference cycles, but thousands of retained dashboards make every
    # generation-2 pass of the cyclic collector re-walk all of them: over half the load time at 5,000.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_catalog(
    root: Path,
    declared: Sequence[DeclaredDatasource],
    default_uid: str,
    folder_titles: Mapping[str, str] | None = None,
    *,
    settings_source: str = "observability:grafana",
) -> DashboardCatalog:
    """Every dashboard under ``root/dashboards/<folder>/``, resolved for one environment.

    Raises DefinitionError with every problem of every file (unreadable files, unresolved
    datasources, PromQL errors, undefined variables, duplicate uids across the repository, duplicate
    titles within a folder). Lint warnings are returned on the catalog.
    """
    collector = ProblemCollector()
    files, misplaced = discover(root)
    collector.problems.extend(misplaced)
    dashboards: list[Dashboard] = []
    warnings: list[Problem] = []
    with _cyclic_gc_paused():
        for path in files:
            try:
                raw = load_dashboard_file(path, root)
            except DefinitionError as error:
                collector.extend(error)
                continue
            config, report = check_dashboard(raw, declared, default_uid)
            collector.problems.extend(report.errors)
            warnings.extend(report.warnings)
            folder = raw.folder or GENERAL_FOLDER
            dashboards.append(Dashboard(config["uid"], config["title"].strip(), folder, raw.source, config))
    for slug in folder_titles or {}:
        if not FOLDER_SLUG_PATTERN.match(slug):
            collector.add(
                settings_source, f"folders.{slug}", "a folder key is the directory name under dashboards/"
            )
    folders = _folders({d.folder for d in dashboards}, folder_titles or {}, collector, settings_source)
    _check_identity(dashboards, folders, collector)
    warnings.extend(_check_links(dashboards))
    collector.raise_if_any()
    return DashboardCatalog(folders=folders, dashboards=tuple(dashboards), warnings=tuple(warnings))
