"""One stack's monitors: catalog + ``observability:datadog`` settings -> Pulumi provider inputs.

For each monitor, in order: the stack's override (``enabled``, thresholds, priority, notify,
renotify interval), ``{{env}}`` / ``$env`` substitution, the standard tags, the notification
blocks for its severity, then normalization and validation. Disabled monitors are validated too,
so a broken definition is reported before a stack turns it on.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.catalog.datadog.loader import CatalogMonitor
from infra.catalog.datadog.models import Severity, severity_for_priority
from infra.catalog.datadog.normalize import (
    RUNBOOK_LINK,
    Payload,
    api_payload,
    has_runbook_asset,
    normalize,
    provider_inputs,
)
from infra.catalog.datadog.query import replace_threshold
from infra.catalog.datadog.templating import merged_tags, substitute_env, substitute_query_variables
from infra.catalog.datadog.validate import monitor_problems
from infra.errors import ProblemCollector
from infra.settings.datadog import DatadogRouting, DatadogSettings, MonitorOverride, runbook_url

if TYPE_CHECKING:
    from infra.catalog.datadog.catalog import DatadogCatalog

_LOWER_SEVERITY: dict[Severity, Severity] = {"critical": "warning", "warning": "info", "info": "info"}


@dataclass(frozen=True)
class RenderedMonitor:
    id: str
    """The catalog id: a stable Pulumi resource name."""
    source: str
    severity: Severity
    inputs: Mapping[str, Any]
    """Keyword arguments of ``pulumi_datadog.Monitor`` (snake_case, nested inputs as dicts)."""
    payload: Mapping[str, Any]
    """The normalized Datadog API body the inputs were made from: what Datadog will store."""


def render_monitors(catalog: DatadogCatalog, settings: DatadogSettings, stack: str) -> list[RenderedMonitor]:
    """The enabled monitors of ``stack``, validated; raises one DefinitionError with every problem."""
    monitors = catalog.monitors
    problems = ProblemCollector()
    _check_override_ids(monitors, settings, stack, problems)
    rendered: list[RenderedMonitor] = []
    for monitor in monitors.values():
        override = settings.monitors.get(monitor.id)
        severity = _severity(monitor, override)
        stack_payload, unresolved = _stack_payload(monitor, override, settings, stack, severity)
        for name, reason in unresolved.items():
            problems.add(monitor.source, monitor.id, _unresolved_message(name, reason, stack))
        if unresolved:
            continue
        payload = normalize(stack_payload)
        found = monitor_problems(payload)
        for message in found:
            note = _override_note(message, override, stack, monitor)
            problems.add(monitor.source, monitor.id, _as_written(message, monitor) + note)
        if found or not _enabled(monitor, override):
            continue
        inputs = provider_inputs(payload)
        inputs["validate"] = bool(monitor.definition.validate_on_plan)
        if monitor.definition.force_delete is not None:
            inputs["force_delete"] = monitor.definition.force_delete
        rendered.append(RenderedMonitor(monitor.id, monitor.source, severity, inputs, payload))
    problems.raise_if_any()
    return rendered


def _check_override_ids(
    monitors: Mapping[str, CatalogMonitor], settings: DatadogSettings, stack: str, problems: ProblemCollector
) -> None:
    for monitor_id in sorted(set(settings.monitors) - set(monitors)):
        close = difflib.get_close_matches(monitor_id, list(monitors), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add(
            f"Pulumi.{stack}.yaml",
            f"observability:datadog.monitors.{monitor_id}",
            f"no monitor with id {monitor_id!r} in alerts/datadog/{hint}",
        )


def _enabled(monitor: CatalogMonitor, override: MonitorOverride | None) -> bool:
    if override is not None and override.enabled is not None:
        return override.enabled
    return monitor.definition.enabled


def _severity(monitor: CatalogMonitor, override: MonitorOverride | None) -> Severity:
    if monitor.definition.severity is not None:
        return monitor.definition.severity
    priority = override.priority if override and override.priority else monitor.definition.priority
    return severity_for_priority(priority)


def _stack_payload(
    monitor: CatalogMonitor,
    override: MonitorOverride | None,
    settings: DatadogSettings,
    stack: str,
    severity: Severity,
) -> tuple[Payload, dict[str, str]]:
    """The monitor's API body for this stack, and its query template variables left without a
    value (name -> reason)."""
    payload = api_payload(monitor.definition)
    env = settings.env_for(stack)
    if (
        settings.runbook_url_template
        and not monitor.definition.runbook_url
        and not RUNBOOK_LINK.search(payload["message"])
        and not has_runbook_asset(payload)
    ):
        link = runbook_url(settings.runbook_url_template, monitor.id, env)
        payload["message"] = f"{payload['message'].rstrip()}\n\nRunbook: {link}".lstrip()
    if override is not None:
        _apply_override(payload, override)
    values = {**settings.template_variables, "env": env}
    query, unresolved = substitute_query_variables(
        payload["query"], values, monitor.definition.template_variables or {}
    )
    payload = _substituted({**payload, "query": query}, env)
    payload["tags"] = merged_tags(
        payload["tags"], env=env, service=settings.service, team=settings.team, severity=severity
    )
    alert_handles = override.notify if override and override.notify is not None else None
    payload["message"] = with_notifications(payload, settings.routing, severity, alert_handles)
    return payload, unresolved


def _unresolved_message(name: str, reason: str, stack: str) -> str:
    return (
        f"query: template variable ${name} {reason} in stack {stack}, and Datadog does not resolve "
        f"template variables in a monitor's query: set observability:datadog.templateVariables.{name} "
        f'in Pulumi.{stack}.yaml (a tag value, or "*" for every value), or write the query without it'
    )


def _apply_override(payload: Payload, override: MonitorOverride) -> None:
    options = payload["options"]
    if override.thresholds is not None:
        changes = override.thresholds.model_dump(exclude_none=True)
        options["thresholds"] = {**options.get("thresholds", {}), **changes}
        if "critical" in changes:
            payload["query"] = replace_threshold(payload["query"], changes["critical"])
    if override.priority is not None:
        payload["priority"] = override.priority
    if override.renotify_interval is not None:
        options["renotify_interval"] = override.renotify_interval


def _substituted(payload: Payload, env: str) -> Payload:
    result = dict(payload)
    for key in ("name", "message"):
        result[key] = substitute_env(result[key], env)
    result["tags"] = [substitute_env(tag, env) for tag in result["tags"]]
    options = dict(result["options"])
    if isinstance(options.get("escalation_message"), str):
        options["escalation_message"] = substitute_env(options["escalation_message"], env)
    result["options"] = options
    return result


def with_notifications(
    payload: Payload,
    routing: DatadogRouting,
    severity: Severity,
    alert_handles: tuple[str, ...] | None = None,
) -> str:
    """The message with the routed handles appended in Datadog's conditional blocks.

    Alerts go to the severity's handles (or ``alert_handles``), warnings one severity lower, no-data
    to the alert handles when the monitor notifies on no data, and recoveries to everyone notified,
    so a PagerDuty incident resolves when the monitor does.
    """
    options = payload.get("options") or {}
    alert = alert_handles if alert_handles is not None else routing.handles_for(severity)
    has_warning = (options.get("thresholds") or {}).get("warning") is not None
    warning = routing.handles_for(_LOWER_SEVERITY[severity]) if has_warning else ()
    no_data = alert if options.get("notify_no_data") else ()
    recovery = tuple(dict.fromkeys((*alert, *warning, *no_data)))
    blocks = [
        f"{{{{#{block}}}}}{' '.join(handles)}{{{{/{block}}}}}"
        for block, handles in (
            ("is_alert", alert),
            ("is_warning", warning),
            ("is_no_data", no_data),
            ("is_recovery", recovery),
        )
        if handles
    ]
    message: str = payload["message"].strip()
    return "\n\n".join(part for part in (message, "\n".join(blocks)) if part)


def _as_written(message: str, monitor: CatalogMonitor) -> str:
    """Name an option the way the file does: ``thresholds.warning`` when options are written flat."""
    if monitor.definition.options is None:
        return message.removeprefix("options.")
    return message


def _override_note(
    message: str, override: MonitorOverride | None, stack: str, monitor: CatalogMonitor
) -> str:
    if override is None or not message.startswith(("options.thresholds", "query")):
        return ""
    return f" (after the override at observability:datadog.monitors.{monitor.id} in Pulumi.{stack}.yaml)"
