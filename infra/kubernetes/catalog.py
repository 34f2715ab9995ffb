"""What a stack with a monitoring cluster deploys from ``alerts/``, loaded and checked up front.

Everything here runs from :func:`infra.definitions.load_definitions`, before any resource is
registered: rule overrides are applied, the Alertmanager placeholders are checked against the stack's
bindings (with stand-ins, so no secret is read), and every Helm release's values are validated
against its chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.catalog.alertmanager import CONFIG_FILE, AlertmanagerConfig, load_alertmanager, render
from infra.catalog.alertmanager_routes import notifies_someone
from infra.catalog.prometheus import RenderedRuleFile, apply_overrides, load_rule_set
from infra.catalog.prometheus.vendored import adopt_vendored
from infra.catalog.safe_files import require_inside
from infra.catalog.strict_yaml import dump
from infra.config import NAMESPACE, Settings
from infra.errors import DefinitionError, ProblemCollector
from infra.kubernetes.releases import check_release_values
from infra.settings.base import SecretValue
from infra.settings.prometheus import AlertmanagerSettings


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
        if settings.prometheus.rules or settings.prometheus.vendored.model_fields_set:
            key = "rules" if settings.prometheus.rules else "vendored"
            raise DefinitionError.single(
                settings.stack_file,
                f"{NAMESPACE}prometheus.{key}",
                f"sets rules up, but without {NAMESPACE}monitoringCluster this stack deploys none",
            )
        return None
    problems = ProblemCollector()
    rule_files: tuple[RenderedRuleFile, ...] = ()
    try:
        rule_set = adopt_vendored(load_rule_set(root), settings.prometheus.vendored, settings.stack_file)
        rule_files = apply_overrides(rule_set, settings.prometheus.rules, settings.stack_file)
    except DefinitionError as error:
        problems.extend(error)
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
    if alertmanager is not None:
        _check_vendored_alerts_heard(rule_files, alertmanager, problems)
    problems.raise_if_any()
    assert alertmanager is not None
    return MonitoringDefinitions(rule_files=rule_files, alertmanager=alertmanager)


def _check_vendored_alerts_heard(
    rule_files: tuple[RenderedRuleFile, ...], alertmanager: AlertmanagerConfig, problems: ProblemCollector
) -> None:
    """Each vendored alert, with the labels this stack gives it, reaches a receiver that notifies
    someone (or a deliberate drop route). The repository's own alerts prove it in the drills."""
    reaches = notifies_someone(alertmanager.data)
    for rule_file in rule_files:
        if not rule_file.vendored:
            continue
        for group in rule_file.groups:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                labels = {**group.get("labels", {}), **rule.get("labels", {}), "alertname": rule["alert"]}
                if not reaches(labels):
                    shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
                    problems.add(
                        rule_file.source,
                        f"alert {rule['alert']}",
                        f"reaches no receiver that notifies anyone in {alertmanager.source} "
                        f"(labels {shown}): route it, or map its severity",
                    )


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
