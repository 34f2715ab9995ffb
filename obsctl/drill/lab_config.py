"""The configuration files of one drill lab, made from what a stack's plan registers.

Rules and routing run as planned: expressions, thresholds, labels, routes, inhibitions and templates
are not touched. Two things change, and only these:

* **time**, by one factor: ``for``, ``keep_firing_for``, group ``interval``, the scrape and
  evaluation intervals, and Alertmanager's ``group_wait``, ``group_interval``,
  ``repeat_interval`` and ``resolve_timeout`` are divided by it;
* **where notifications go**: every integration's endpoint points at the lab's capture sinks on
  127.0.0.1 (HTTP integrations at ``/notify/<receiver>/<integration>/<index>``, each email
  integration at an SMTP sink port of its own), proxies are dropped and email is sent without
  STARTTLS. An integration whose endpoint cannot be redirected is refused, so nothing leaves the
  machine.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infra.catalog.drills.model import INTEGRATIONS, seconds

ROUTE_TIMERS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
"""Alertmanager's defaults, made explicit on the root route so that they scale too."""
RESOLVE_TIMEOUT = "5m"
DRILL_JOB = "drill"
"""The scrape job serving the scenario's series."""
RESEND_DELAY = "1m"
"""Prometheus' ``--rules.alert.resend-delay`` default."""

ENDPOINT_FIELDS: dict[str, tuple[str, ...]] = {
    "slack": ("api_url",),
    "pagerduty": ("url",),
    "webhook": ("url",),
    "opsgenie": ("api_url",),
    "victorops": ("api_url",),
    "wechat": ("api_url",),
    "telegram": ("api_url",),
    "sns": ("api_url",),
    "webex": ("api_url",),
    "discord": ("webhook_url",),
    "msteams": ("webhook_url",),
    "msteamsv2": ("webhook_url",),
    "jira": ("api_url",),
    "rocketchat": ("api_url",),
    "incidentio": ("url",),
    "mattermost": ("webhook_url",),
}
"""Where each HTTP integration sends, so the lab can point it at a sink."""
SECRET_FILE_FIELDS = {"api_url_file", "url_file", "webhook_url_file", "routing_key_file", "service_key_file"}
GLOBAL_ENDPOINTS = (
    "slack_api_url",
    "pagerduty_url",
    "opsgenie_api_url",
    "victorops_api_url",
    "wechat_api_url",
    "telegram_api_url",
    "webex_api_url",
    "jira_api_url",
    "rocketchat_api_url",
)


class LabConfigError(Exception):
    """The stack's configuration cannot run in the lab without a notification leaving the machine."""


def scale(duration: str, factor: float) -> str:
    """``5m`` at factor 120 -> ``2500ms``: Prometheus and Alertmanager both read milliseconds."""
    scaled_ms = max(1, round(seconds(duration) * 1000 / factor))
    return f"{scaled_ms}ms"


@dataclass(frozen=True)
class Endpoint:
    receiver: str
    integration: str
    index: int

    @property
    def path(self) -> str:
        return f"/notify/{self.receiver}/{self.integration}/{self.index}"


@dataclass
class AlertmanagerLab:
    config: dict[str, Any]
    http_endpoints: dict[str, Endpoint] = field(default_factory=dict)
    """Sink path -> the integration that sends there."""
    smtp_endpoints: list[Endpoint] = field(default_factory=list)
    """One SMTP sink each, in this order."""


def _integrations(receiver: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for key, configs in receiver.items():
        if key == "name" or not key.endswith("_configs"):
            continue
        integration = key.removesuffix("_configs")
        if integration not in INTEGRATIONS:
            raise LabConfigError(f"receiver {receiver.get('name')}: unknown integration {key}")
        for index, config in enumerate(configs or []):
            yield integration, index, config


def alertmanager_lab(config: dict[str, Any], factor: float) -> AlertmanagerLab:
    """The stack's rendered Alertmanager configuration, time-scaled, with endpoints to be filled.

    Endpoint URLs are left as ``{http}`` and ``{smtp<N>}`` markers; :func:`bind_ports` fills them
    once the sinks listen.
    """
    lab = AlertmanagerLab(config=copy.deepcopy(config))
    data = lab.config
    global_ = data.setdefault("global", {})
    global_["resolve_timeout"] = scale(str(global_.get("resolve_timeout", RESOLVE_TIMEOUT)), factor)
    for name in GLOBAL_ENDPOINTS:
        global_.pop(name, None)
        global_.pop(f"{name}_file", None)
    global_.pop("http_config", None)
    global_.pop("smtp_smarthost", None)  # every email integration gets a sink of its own below
    global_["smtp_require_tls"] = False
    root = data.get("route") or {}
    for timer, default in ROUTE_TIMERS.items():
        root.setdefault(timer, default)
    _scale_routes(root, factor)
    for receiver in data.get("receivers") or []:
        name = str(receiver.get("name"))
        for integration, index, integration_config in _integrations(receiver):
            endpoint = Endpoint(name, integration, index)
            integration_config.pop("http_config", None)
            for secret_file in SECRET_FILE_FIELDS & set(integration_config):
                raise LabConfigError(
                    f"receiver {name}: {integration}_configs[{index}].{secret_file} reads a file the lab "
                    "does not have; use a ${secret:...} placeholder"
                )
            if integration == "email":
                integration_config["smarthost"] = f"{{smtp{len(lab.smtp_endpoints)}}}"
                integration_config["require_tls"] = False
                lab.smtp_endpoints.append(endpoint)
            elif integration in ENDPOINT_FIELDS:
                for field_name in ENDPOINT_FIELDS[integration]:
                    integration_config[field_name] = f"{{http}}{endpoint.path}"
                if integration == "sns":
                    integration_config.pop("sigv4", None)
                lab.http_endpoints[endpoint.path] = endpoint
            else:
                raise LabConfigError(
                    f"receiver {name}: {integration}_configs[{index}] sends to an address the lab cannot "
                    "redirect, so the drill cannot capture it"
                )
    return lab


def _scale_routes(route: dict[str, Any], factor: float) -> None:
    for timer in ROUTE_TIMERS:
        if timer in route:
            route[timer] = scale(str(route[timer]), factor)
    for child in route.get("routes") or []:
        _scale_routes(child, factor)


_MARKER = re.compile(r"\{(http|smtp\d+)\}")


def bind_ports(value: Any, http_base: str, smtp_ports: list[int]) -> Any:
    """Fill the endpoint markers with the sinks' addresses."""
    if isinstance(value, dict):
        return {k: bind_ports(v, http_base, smtp_ports) for k, v in value.items()}
    if isinstance(value, list):
        return [bind_ports(v, http_base, smtp_ports) for v in value]
    if isinstance(value, str):
        return _MARKER.sub(
            lambda m: http_base if m[1] == "http" else f"127.0.0.1:{smtp_ports[int(m[1][4:])]}", value
        )
    return value


def scaled_rule_groups(groups: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    """The planned rule groups with ``interval``, ``for`` and ``keep_firing_for`` divided by ``factor``."""
    result = copy.deepcopy(groups)
    for group in result:
        if group.get("interval"):
            group["interval"] = scale(str(group["interval"]), factor)
        for rule in group.get("rules") or []:
            for key in ("for", "keep_firing_for"):
                if rule.get(key):
                    rule[key] = scale(str(rule[key]), factor)
    return result


MIN_SCRAPE_SECONDS = 1.0
"""The lab scrapes at the scaled interval, but not more often than this: the recent history is
written at the same interval (see :mod:`.series`), and a sample a second is plenty for any scaled
``for`` to see the scenario's values."""


def lab_scrape_seconds(scrape_interval: str, factor: float) -> float:
    return max(MIN_SCRAPE_SECONDS, seconds(scrape_interval) / factor)


def prometheus_config(
    *,
    scrape_seconds: float,
    evaluation_interval: str,
    factor: float,
    alertmanager_port: int,
    target_port: int,
    jobs: list[str],
    rule_files: list[str],
) -> dict[str, Any]:
    """Scrape the lab's target (series with their own labels: ``honor_labels``) and one job per
    scenario target, evaluate the stack's rules, send to the lab's Alertmanager."""
    interval = f"{round(scrape_seconds * 1000)}ms"
    target = f"127.0.0.1:{target_port}"
    scrape_configs: list[dict[str, Any]] = [
        {
            "job_name": DRILL_JOB,
            "honor_labels": True,
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [target]}],
        }
    ]
    scrape_configs += [
        {
            "job_name": job,
            "metrics_path": f"/targets/{job}/metrics",
            "static_configs": [{"targets": [target]}],
        }
        for job in jobs
    ]
    return {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": scale(evaluation_interval, factor),
        },
        "rule_files": rule_files,
        "alerting": {
            "alertmanagers": [
                {"api_version": "v2", "static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}
            ]
        },
        "scrape_configs": scrape_configs,
    }
