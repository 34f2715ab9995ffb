"""Where each alert of a plan ends: the plan summary's "Alert paths" section.

A reviewer should see who hears about an alarm without reading three config languages. For each
source this follows what the plan registers, the way the service itself will:

- CloudWatch: alarm -> its ``alarmActions`` topics -> their subscriptions' protocols;
- Prometheus: each alert of the stack's ``PrometheusRule`` resources, with its own labels, through
  the routing tree of the Alertmanager configuration the plan renders (matchers, ``continue``,
  inherited receivers), to receivers and their integrations;
- Datadog: each monitor's message -> the ``@handles`` it notifies when it alerts.

It describes; the ``alerts-reach-someone`` policy and the Alertmanager loader judge. Only names and
integration kinds are shown: no endpoint, key or address.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from infra.catalog.alertmanager import drop_routes, receiver_integrations
from infra.catalog.alertmanager_routes import receivers, route_matches
from infra.catalog.prometheus import ORIGIN_LABEL
from infra.helm.values.common import ALERTMANAGER_CONFIG_KEY
from infra.settings.routing import UNATTENDED_TAG
from obsctl.plan import Plan, PlannedResource, Secret
from obsctl.policy import import_pack

ALARMS = ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
MONITOR = "datadog:index/monitor:Monitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
K8S_SECRET = "kubernetes:core/v1:Secret"


def alert_path_lines(plan: Plan) -> list[str]:
    lines = [*_cloudwatch(plan), *_prometheus(plan), *_datadog(plan)]
    return ["Alert paths:", *(f"  {line}" for line in lines)] if lines else []


def _plain(value: Any) -> Any:
    return _plain(value.value) if isinstance(value, Secret) else value


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- CloudWatch ---------------------------------------------------------------------------------


def _targets(resource: PlannedResource, prop: str, names: set[str]) -> list[str]:
    """The resources among ``names`` that input ``prop`` refers to, as the engine records it."""
    return [name for name in resource.property_dependencies.get(prop, []) if name in names]


def _cloudwatch(plan: Plan) -> Iterator[str]:
    topics = {t.name: t for t in plan.by_type(TOPIC)}
    protocols: dict[str, list[str]] = defaultdict(list)
    for subscription in plan.by_type(SUBSCRIPTION):
        for topic_name in _targets(subscription, "topic", set(topics)):
            protocols[topic_name].append(str(_plain(subscription.inputs.get("protocol"))))
    alarms_by_topic: Counter[str] = Counter()
    for alarm in (a for kind in ALARMS for a in plan.by_type(kind)):
        for topic_name in set(_targets(alarm, "alarmActions", set(topics))):
            alarms_by_topic[topic_name] += 1
    for topic_name, count in sorted(alarms_by_topic.items()):
        topic = topics[topic_name]
        heard = sorted(protocols.get(topic_name, []))
        tags = _plain(topic.inputs.get("tags"))
        reason = tags.get(UNATTENDED_TAG) if isinstance(tags, dict) else None
        if heard:
            ending = ", ".join(
                f"{p} x{heard.count(p)}" if heard.count(p) > 1 else p for p in sorted(set(heard))
            )
        else:
            ending = f"NOBODY (unattended: {reason})" if reason else "NOBODY"
        yield f"CloudWatch  {_count(count, 'alarm')} -> topic {_plain(topic.inputs.get('name'))} -> {ending}"


# --- Prometheus and Alertmanager --------------------------------------------------------------


def alertmanager_config(plan: Plan) -> Mapping[str, Any] | None:
    for secret in plan.by_type(K8S_SECRET):
        data = _plain(secret.inputs.get("stringData"))
        if isinstance(data, dict) and ALERTMANAGER_CONFIG_KEY in data:
            document = yaml.safe_load(str(_plain(data[ALERTMANAGER_CONFIG_KEY])))
            return document if isinstance(document, dict) else None
    return None


def planned_alerts(plan: Plan, *, vendored: bool | None = None) -> Iterator[dict[str, str]]:
    """Each alert's labels (and ``alertname``); only vendored or only own ones when ``vendored`` says."""
    for rule_file in plan.by_type(PROMETHEUS_RULE):
        labels_of_file = (_plain(_plain(rule_file.inputs.get("metadata")) or {}).get("labels")) or {}
        if vendored is not None and (_plain(labels_of_file).get(ORIGIN_LABEL) == "vendored") != vendored:
            continue
        spec = _plain(rule_file.inputs.get("spec")) or {}
        for group in spec.get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule:
                    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                    yield {**labels, "alertname": str(rule["alert"])}


def _prometheus(plan: Plan) -> Iterator[str]:
    config = alertmanager_config(plan)
    alerts = list(planned_alerts(plan))
    if config is None or not alerts or not isinstance(config.get("route"), dict):
        return
    integrations = {
        str(r.get("name")): sorted(k.removesuffix("_configs") for k in receiver_integrations(r))
        for r in config.get("receivers") or []
        if isinstance(r, dict)
    }
    drops = drop_routes(config)
    dropping = {receiver for _, receiver, _ in drops}
    for origin, vendored in (("", False), (" vendored", True)):
        endings: Counter[tuple[str, ...]] = Counter()
        for labels in planned_alerts(plan, vendored=vendored):
            endings[tuple(receivers(config["route"], labels))] += 1
        for ending, count in sorted(endings.items(), key=lambda item: (-item[1], item[0])):
            shown = ", ".join(_ending(name, integrations.get(name, []), name in dropping) for name in ending)
            yield f"Prometheus  {_count(count, f'{origin.strip()} alert'.strip())} -> Alertmanager -> {shown}"
    for path, receiver, route in drops:
        matched = sum(1 for labels in alerts if route_matches(route, labels))
        yield (
            f"Alertmanager drops on purpose: {path} {_matchers_text(route)} -> {receiver} "
            f"({_count(matched, 'alert')} of this stack)"
        )


def _ending(receiver: str, integrations: list[str], dropping: bool) -> str:
    if integrations:
        return f"{receiver} ({'+'.join(integrations)})"
    return f"{receiver} (dropped on purpose)" if dropping else f"{receiver} (NOBODY)"


def _matchers_text(route: Mapping[str, Any]) -> str:
    terms = [str(m) for m in route.get("matchers") or []]
    terms += [f'{k}="{v}"' for k, v in (route.get("match") or {}).items()]
    terms += [f'{k}=~"{v}"' for k, v in (route.get("match_re") or {}).items()]
    return "{" + ", ".join(terms) + "}"


# --- Datadog ------------------------------------------------------------------------------------


def _datadog(plan: Plan) -> Iterator[str]:
    monitors = plan.by_type(MONITOR)
    if not monitors:
        return
    # The policy's reading of a message, so the summary and the verdict never disagree.
    notification_handles = import_pack().alert_paths.notification_handles
    endings: Counter[tuple[str, ...]] = Counter()
    for monitor in monitors:
        endings[tuple(sorted(set(notification_handles(_plain(monitor.inputs.get("message"))))))] += 1
    for ending, count in sorted(endings.items(), key=lambda item: (-item[1], item[0])):
        yield f"Datadog     {_count(count, 'monitor')} -> {', '.join(ending) or 'NOBODY'}"
