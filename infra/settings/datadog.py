"""Datadog monitors and log pipelines (``observability:datadog``), per stack.

```yaml
config:
  observability:datadog:
    enabled: true
    site: datadoghq.eu
    routing:
      critical: "@pagerduty-ExternalMetrics"
      warning: "@slack-external-metrics-alerts"
      info: ["@sre-team@example.com"]
    monitors:
      api-p95-latency: {thresholds: {critical: 750, warning: 600}, priority: 2}
      cpu-high: {enabled: false}
      api-error-rate: {notify: ["@slack-staging-alerts"], renotifyInterval: 30}
    runbookUrlTemplate: "https://runbooks.example.com/datadog/{id}"
    templateVariables: {cluster: metrics-prod}
```

The API and application keys are secrets kept outside this section, as top-level secret config
keys set with ``pulumi config set --secret``: ``observability:datadogApiKey`` and
``observability:datadogAppKey`` (see :meth:`DatadogSettings.secret_keys`).
"""

from __future__ import annotations

import difflib
import math
import re
from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema, field_validator

from infra.settings.base import SettingsModel, WholeNumber
from infra.settings.routing import Severity

API_KEY_CONFIG_KEY = "datadogApiKey"
APP_KEY_CONFIG_KEY = "datadogAppKey"
DEFAULT_SITE = "datadoghq.com"


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


Handle = Annotated[str, StringConstraints(pattern=r"^@\S+$")]
"""A Datadog notification handle: ``@pagerduty-Service``, ``@slack-channel``, ``@user@example.com``."""
_HANDLE_SCHEMA = {"type": "string", "pattern": r"^@\S+$"}
Handles = Annotated[
    tuple[Handle, ...],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [_HANDLE_SCHEMA, {"type": "array", "items": _HANDLE_SCHEMA}]}),
]


def _finite_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


ThresholdValue = Annotated[float | int, BeforeValidator(_finite_number)]


class DatadogRouting(SettingsModel):
    """Handles notified for each severity; appended to every monitor's message in Datadog's
    ``{{#is_alert}}`` / ``{{#is_warning}}`` / ``{{#is_recovery}}`` blocks."""

    critical: Handles = ()
    """Paged on a critical monitor's alert: a PagerDuty service, e.g. ``@pagerduty-ExternalMetrics``."""
    warning: Handles = ()
    """A Slack channel, e.g. ``@slack-external-metrics-alerts``."""
    info: Handles = ()
    """Email, e.g. ``@sre-team@example.com``."""

    def handles_for(self, severity: Severity) -> tuple[str, ...]:
        handles: tuple[str, ...] = getattr(self, severity)
        return handles


class ThresholdOverrides(SettingsModel):
    """Replaces the catalog's thresholds one by one; a new critical also rewrites the query."""

    critical: ThresholdValue | None = None
    warning: ThresholdValue | None = None
    critical_recovery: ThresholdValue | None = None
    warning_recovery: ThresholdValue | None = None
    ok: ThresholdValue | None = None
    unknown: ThresholdValue | None = None


class MonitorOverride(SettingsModel):
    """A stack's changes to one catalog monitor, keyed by monitor id."""

    enabled: bool | None = None
    thresholds: ThresholdOverrides | None = None
    priority: Annotated[WholeNumber, Field(ge=1, le=5)] | None = None
    notify: Handles | None = None
    """Handles notified when this monitor alerts, instead of those its severity routes to."""
    renotify_interval: Annotated[WholeNumber, Field(ge=0)] | None = None
    """Minutes before re-notifying while still alerting; 0 turns re-notification off."""


RUNBOOK_PLACEHOLDERS = ("id", "env")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def runbook_url(template: str, monitor_id: str, env: str) -> str:
    """The stack's runbook link for one monitor: ``{id}`` and ``{env}`` filled in."""
    values = {"id": monitor_id, "env": env}
    return _PLACEHOLDER.sub(lambda match: values[match[1]], template)


@cache
def datadog_sites() -> tuple[str, ...]:
    """The sites the Datadog API client knows, read from the client's own server list."""
    from datadog_api_client import Configuration

    site = Configuration().get_host_settings()[0]["variables"]["site"]
    return tuple(dict.fromkeys(site["enum_values"]))


class DatadogSettings(SettingsModel):
    enabled: bool = False
    """Nothing is created in Datadog unless a stack turns this on."""
    site: str = DEFAULT_SITE
    api_url: str | None = None
    """Defaults to ``https://api.<site>/``."""
    env: str | None = None
    """The ``env`` tag and ``{{env}}`` / ``$env`` value; defaults to the stack name."""
    service: Annotated[str, StringConstraints(pattern=r"^\S+$")] = "external-metrics-api"
    team: Annotated[str, StringConstraints(pattern=r"^\S+$")] = "platform"
    routing: DatadogRouting = DatadogRouting()
    monitors: dict[str, MonitorOverride] = Field(default_factory=dict)
    """Monitor id (as in ``alerts/datadog/``) -> this stack's override."""
    runbook_url_template: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    """The runbook link of every monitor whose message has none and that sets no ``runbook_url``,
    e.g. ``https://runbooks.example.com/datadog/{id}``; ``{id}`` is the monitor id, ``{env}`` the env."""
    template_variables: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")],
        Annotated[str, StringConstraints(pattern=r"^[^\s,{}]+$")],
    ] = Field(default_factory=dict)
    """The value of each query template variable ``$name`` other than ``$env`` (the env): a tag
    value, or ``*`` for every value. Datadog does not resolve them in a monitor's query."""

    @field_validator("runbook_url_template")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        for name in _PLACEHOLDER.findall(value or ""):
            if name not in RUNBOOK_PLACEHOLDERS:
                close = difflib.get_close_matches(name, RUNBOOK_PLACEHOLDERS, n=1)
                hint = f"did you mean {{{close[0]}}}?" if close else "known: {id}, {env}"
                raise ValueError(f"{{{name}}} is not a placeholder ({hint})")
        return value

    @field_validator("template_variables")
    @classmethod
    def _env_is_the_stack_env(cls, value: dict[str, str]) -> dict[str, str]:
        if "env" in value:
            raise ValueError("$env is the stack's env: set observability:datadog.env instead")
        return value

    @field_validator("site")
    @classmethod
    def _site_is_known(cls, value: str) -> str:
        sites = datadog_sites()
        if value not in sites:
            raise ValueError(f"is not a Datadog site (known: {', '.join(sites)})")
        return value

    def resolved_api_url(self) -> str:
        return self.api_url or f"https://api.{self.site}/"

    def env_for(self, stack: str) -> str:
        return self.env or stack

    def secret_keys(self) -> list[tuple[str, str]]:
        """(top-level config key, what it is) for the secrets this section needs."""
        if not self.enabled:
            return []
        return [
            (API_KEY_CONFIG_KEY, "Datadog API key"),
            (APP_KEY_CONFIG_KEY, "Datadog application key"),
        ]
