"""What a stack with a monitoring cluster deploys from ``alerts/``, loaded and checked up front.

Everything here runs from :func:`infra.definitions.load_definitions`, before any resource is
registered: rule overrides are applied, the Alertmanager placeholders are checked against the stack's
bindings (with stand-ins, so no secret is read), and every Helm release's values are validated
against its chart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.catalog.alertmanager import CONFIG_FILE, AlertmanagerConfig, load_alertmanager, render
from infra.catalog.prometheus import RULES_DIR, RenderedRuleFile, apply_overrides, load_rule_set
from infra.catalog.safe_files import require_inside
from infra.catalog.strict_yaml import dump
from infra.config import NAMESPACE, Settings
from infra.errors import DefinitionError, ProblemCollector
from infra.kubernetes.releases import check_release_values
from infra.settings.base import SecretValue
from infra.settings.prometheus import AlertmanagerSettings

_OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_MAX_OBJECT_NAME = 253


@dataclass(frozen=True)
class MonitoringDefinitions:
    rule_files: tuple[RenderedRuleFile, ...]
    """The stack's rules, overrides applied: one PrometheusRule each."""
    alertmanager: AlertmanagerConfig
    """``alerts/alertmanager.yaml`` with its placeholders; rendered with secrets only inside an Output."""


def load_monitoring_definitions(settings: Settings, root: Path) -> MonitoringDefinitions | None:
    """The rules and Alertmanager config of a stack that has a cluster; ``None`` for one that has not.

    Raises one :class:`DefinitionError` listing every problem of the rule files, the overrides, the
    Alertmanager config and its bindings, and the Helm values.
    """
    cluster = settings.monitoring_cluster
    if cluster is None:
        if settings.prometheus.rules:
            raise DefinitionError.single(
                settings.stack_file,
                f"{NAMESPACE}prometheus.rules",
                f"overrides rules, but without {NAMESPACE}monitoringCluster this stack deploys none",
            )
        return None
    problems = ProblemCollector()
    rule_files: tuple[RenderedRuleFile, ...] = ()
    try:
        rule_files = apply_overrides(load_rule_set(root), settings.prometheus.rules, settings.stack_file)
    except DefinitionError as error:
        problems.extend(error)
    for rule_file in rule_files:
        if not (_OBJECT_NAME.match(rule_file.name) and len(rule_file.name) <= _MAX_OBJECT_NAME):
            problems.add(
                rule_file.source,
                "",
                f"the file name {rule_file.name!r} becomes the PrometheusRule's name: use lower-case "
                f"letters, digits and dashes (e.g. {RULES_DIR}/{_suggest(rule_file.name)}.yaml)",
            )
    alertmanager: AlertmanagerConfig | None = None
    path = root / CONFIG_FILE
    if not (path.exists() or path.is_symlink()):  # a FIFO or a dangling link is refused by the reader
        problems.add(CONFIG_FILE, "", f"is missing: a stack with {NAMESPACE}monitoringCluster deploys it")
    else:
        try:
            require_inside(path, root, CONFIG_FILE)
            alertmanager = load_alertmanager(path, root)
            check_alertmanager_bindings(alertmanager, settings.alertmanager, settings.stack_file)
        except DefinitionError as error:
            problems.extend(error)
    try:
        check_release_values(
            cluster,
            environment=settings.environment,
            region=settings.region,
            source=settings.stack_file,
            datasources_from_helm=helm_provisions_datasources(settings),
        )
    except DefinitionError as error:
        problems.extend(error)
    problems.raise_if_any()
    assert alertmanager is not None
    return MonitoringDefinitions(rule_files=rule_files, alertmanager=alertmanager)


def helm_provisions_datasources(settings: Settings) -> bool:
    """Grafana's datasources come from the chart unless the stack manages them through Grafana's API."""
    return settings.grafana is None


def check_alertmanager_bindings(
    config: AlertmanagerConfig, bindings: AlertmanagerSettings, source: str
) -> None:
    """Every placeholder is bound and every binding used, checked with stand-ins for the secrets."""
    render(config, {name: f"stand-in-{name}" for name in bindings.secrets}, bindings.values, source=source)


def alertmanager_yaml(
    config: AlertmanagerConfig,
    bindings: AlertmanagerSettings,
    secrets: Mapping[str, SecretValue],
    source: str,
) -> str:
    """The stack's Alertmanager configuration file. It holds secrets: call it inside ``Output.apply``."""
    return dump(render(config, bindings.resolve_secrets(secrets), bindings.values, source=source))


def _suggest(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "rules"
