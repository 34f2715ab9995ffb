"""Deliberate drop routes (kube-prometheus's ``"null"`` receiver): allowed only as what they are,
and shown in the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog.alertmanager import CONFIG_FILE, drop_routes, load_alertmanager
from infra.errors import DefinitionError
from infra.helm.values.common import ALERTMANAGER_CONFIG_KEY
from obsctl.alert_paths import alert_path_lines
from obsctl.plan import Plan, PlannedResource
from tests.test_alertmanager import REPO, edited

NULL = {"name": "null"}
DROP = {"matchers": ['alertname="InfoInhibitor"'], "receiver": "null"}


def _with_null(data: dict[str, Any], route: dict[str, Any], *, first: bool = True) -> None:
    data["receivers"].append(dict(NULL))
    routes = data["route"].setdefault("routes", [])
    routes.insert(0 if first else len(routes), route)


@pytest.fixture(scope="module")
def shipped() -> Any:
    return load_alertmanager(REPO / CONFIG_FILE, REPO)


def test_a_route_with_matchers_may_drop_at_a_receiver_without_integrations(
    shipped: Any, tmp_path: Path
) -> None:
    path = edited(shipped, tmp_path, lambda data: _with_null(data, dict(DROP)))
    loaded = load_alertmanager(path, tmp_path)
    assert [(where, receiver) for where, receiver, _ in drop_routes(loaded.data)] == [
        ("route.routes[0]", "null")
    ]


@pytest.mark.parametrize(
    ("change", "location", "reason"),
    [
        (lambda d: _with_null(d, {**DROP, "continue": True}), "route.routes[0].receiver", "with `continue`"),
        (lambda d: _with_null(d, {"receiver": "null"}, first=False), None, "needs matchers"),
        (
            lambda d: (_with_null(d, dict(DROP)), d["route"].update(receiver="null")),
            "route.receiver",
            "root route",
        ),
        (
            lambda d: _with_null(d, {**DROP, "routes": [{"matchers": ['x="y"'], "receiver": "null"}]}),
            "route.routes[0].receiver",
            "child routes end here",
        ),
    ],
    ids=["continues", "no-matchers", "root", "has-children"],
)
def test_anything_else_ending_at_such_a_receiver_is_refused(
    shipped: Any, tmp_path: Path, change: Any, location: str | None, reason: str
) -> None:
    path = edited(shipped, tmp_path, change)
    with pytest.raises(DefinitionError) as raised:
        load_alertmanager(path, tmp_path)
    silent = [p for p in raised.value.problems if "which has no integrations: they reach no one" in p.message]
    assert silent, [str(p) for p in raised.value.problems]
    assert any(reason in p.message for p in silent), [str(p) for p in silent]
    if location is not None:
        assert location in {p.location for p in silent}


def _plan_with(config: dict[str, Any], alerts: list[dict[str, Any]]) -> Plan:
    def resource(kind: str, name: str, inputs: dict[str, Any]) -> PlannedResource:
        return PlannedResource(f"urn:{name}", kind, name, None, None, True, inputs)

    secret = resource(
        "kubernetes:core/v1:Secret", "am", {"stringData": {ALERTMANAGER_CONFIG_KEY: yaml.safe_dump(config)}}
    )
    rules = resource(
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "rules",
        {"spec": {"groups": [{"name": "g", "rules": alerts}]}},
    )
    return Plan(project="p", stack="s", resources=[secret, rules], outputs={})


def test_the_plan_shows_what_a_drop_route_drops() -> None:
    config = {
        "route": {"receiver": "team", "routes": [dict(DROP)]},
        "receivers": [{"name": "team", "webhook_configs": [{"url": "http://example.invalid"}]}, NULL],
    }
    alerts = [
        {"alert": "InfoInhibitor", "expr": "vector(1)", "labels": {"severity": "none"}},
        {"alert": "HighLatency", "expr": "vector(1)", "labels": {"severity": "warning"}},
    ]
    text = "\n".join(alert_path_lines(_plan_with(config, alerts)))
    assert "Prometheus  1 alert -> Alertmanager -> null (dropped on purpose)" in text
    assert "Prometheus  1 alert -> Alertmanager -> team (webhook)" in text
    assert (
        'Alertmanager drops on purpose: route.routes[0] {alertname="InfoInhibitor"} -> null (1 alert of this stack)'
        in text
    )
