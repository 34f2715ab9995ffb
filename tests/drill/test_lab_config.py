"""The lab's configuration: time scaled by one factor, every notification kept on 127.0.0.1, and
everything else (expressions, labels, routes, inhibitions, templates) exactly as planned."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from obsctl.drill.lab_config import (
    ENDPOINT_FIELDS,
    LabConfigError,
    alertmanager_lab,
    bind_ports,
    prometheus_config,
    scale,
    scaled_rule_groups,
)
from obsctl.drill.stack_inputs import inputs_from_plan
from tests.conftest import STACKS, planned


def test_scale_divides_durations_into_milliseconds() -> None:
    assert scale("5m", 120) == "2500ms"
    assert scale("1h30m", 60) == "90000ms"
    assert scale("250ms", 1000) == "1ms"  # never zero: 0 would mean "no wait" to Alertmanager


def test_rules_keep_everything_but_time() -> None:
    groups = [
        {
            "name": "g",
            "interval": "1m",
            "rules": [
                {"alert": "A", "expr": "x > 1", "for": "10m", "keep_firing_for": "5m", "labels": {"s": "1"}},
                {"record": "r", "expr": "sum(x)"},
            ],
        }
    ]
    scaled = scaled_rule_groups(groups, 120)
    assert scaled[0]["interval"] == "500ms"
    assert scaled[0]["rules"][0] == {
        "alert": "A",
        "expr": "x > 1",
        "for": "5000ms",
        "keep_firing_for": "2500ms",
        "labels": {"s": "1"},
    }
    assert scaled[0]["rules"][1] == groups[0]["rules"][1]
    assert groups[0]["interval"] == "1m", "the planned groups are not modified"


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("stack", STACKS)
def test_every_planned_receiver_is_captured_on_loopback(stack: str) -> None:
    inputs = inputs_from_plan(planned(stack), {})
    lab = alertmanager_lab(inputs.alertmanager, 120)
    config = bind_ports(
        lab.config, "http://127.0.0.1:5000", [6000 + i for i in range(len(lab.smtp_endpoints))]
    )
    addresses = [s for s in _strings(config) if re.match(r"^[a-z]+://", s) or re.match(r"^[\w.-]+:\d+$", s)]
    outside = [a for a in addresses if "127.0.0.1" not in a and not a.startswith("https://runbooks.")]
    assert not outside, f"addresses that would leave the machine: {outside}"
    receivers = {r["name"] for r in inputs.alertmanager["receivers"]}
    captured = {e.receiver for e in lab.http_endpoints.values()} | {e.receiver for e in lab.smtp_endpoints}
    assert captured == {r["name"] for r in inputs.alertmanager["receivers"] if len(r) > 1} <= receivers


@pytest.mark.parametrize("stack", STACKS)
def test_routes_inhibitions_and_templates_are_unchanged(stack: str) -> None:
    inputs = inputs_from_plan(planned(stack), {})
    original = copy.deepcopy(inputs.alertmanager)
    lab = alertmanager_lab(inputs.alertmanager, 120).config
    assert lab["inhibit_rules"] == original["inhibit_rules"]
    assert lab.get("templates") == original.get("templates")

    def without_timers(route: dict[str, Any]) -> dict[str, Any]:
        kept = {
            k: v for k, v in route.items() if k not in ("group_wait", "group_interval", "repeat_interval")
        }
        kept["routes"] = [without_timers(r) for r in route.get("routes") or []]
        return kept

    assert without_timers(lab["route"]) == without_timers(original["route"])
    assert lab["route"]["group_wait"] == scale(original["route"]["group_wait"], 120)
    for planned_receiver, lab_receiver in zip(original["receivers"], lab["receivers"], strict=True):
        for key, configs in planned_receiver.items():
            if not key.endswith("_configs"):
                continue
            for before, after in zip(configs, lab_receiver[key], strict=True):
                for field, value in before.items():
                    if field not in (
                        "api_url",
                        "url",
                        "webhook_url",
                        "smarthost",
                        "require_tls",
                        "http_config",
                    ):
                        assert after[field] == value, f"{planned_receiver['name']}.{key}.{field} changed"


def test_an_integration_the_lab_cannot_redirect_is_refused() -> None:
    config = {
        "route": {"receiver": "p"},
        "receivers": [{"name": "p", "pushover_configs": [{"user_key": "u"}]}],
    }
    with pytest.raises(LabConfigError, match="receiver p: pushover_configs\\[0\\] sends to an address"):
        alertmanager_lab(config, 120)


def test_a_secret_read_from_a_file_is_refused() -> None:
    config = {
        "route": {"receiver": "s"},
        "receivers": [{"name": "s", "slack_configs": [{"api_url_file": "/etc/secret"}]}],
    }
    with pytest.raises(LabConfigError, match="api_url_file reads a file the lab does not have"):
        alertmanager_lab(config, 120)


def test_every_http_integration_is_pointed_at_its_own_sink_path() -> None:
    receivers = [{"name": f"r-{name}", f"{name}_configs": [{}, {}]} for name in ENDPOINT_FIELDS]
    lab = alertmanager_lab({"route": {"receiver": "r-slack"}, "receivers": receivers}, 60)
    assert len(lab.http_endpoints) == 2 * len(ENDPOINT_FIELDS)
    bound = bind_ports(lab.config, "http://127.0.0.1:5000", [])
    for receiver in bound["receivers"]:
        name = receiver["name"].removeprefix("r-")
        for index, integration in enumerate(receiver[f"{name}_configs"]):
            for field in ENDPOINT_FIELDS[name]:
                assert integration[field] == f"http://127.0.0.1:5000/notify/r-{name}/{name}/{index}"


def test_prometheus_scrapes_the_lab_with_its_own_labels_and_sends_to_the_lab() -> None:
    config = prometheus_config(
        scrape_seconds=1.0,
        evaluation_interval="30s",
        factor=120,
        alertmanager_port=9093,
        target_port=8000,
        jobs=["opa"],
        rule_files=["/tmp/r.yaml"],
    )
    text = yaml.safe_dump(config)
    assert re.findall(r"127\.0\.0\.1:\d+", text) == ["127.0.0.1:9093", "127.0.0.1:8000", "127.0.0.1:8000"]
    assert config["global"]["evaluation_interval"] == "250ms"
    assert config["scrape_configs"][0]["honor_labels"] is True
    assert config["scrape_configs"][1]["metrics_path"] == "/targets/opa/metrics"


def test_a_port_is_never_handed_out_twice() -> None:
    from obsctl.drill.sinks import free_port

    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
