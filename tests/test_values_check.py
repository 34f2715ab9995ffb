"""The values check: unknown keys named with their path, open maps left open, no inline secrets."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from infra.errors import DefinitionError
from infra.helm.values import (
    alloy_values,
    blackbox_exporter_values,
    kube_prometheus_stack_values,
    loki_values,
    postgres_exporter_values,
    redis_exporter_values,
)
from infra.helm.values_check import inline_secret_paths, unknown_keys, validate_values
from tests.test_helm_values import ENVIRONMENTS, KPS, all_values


def test_a_misspelled_key_fails_naming_its_path_and_the_key_meant() -> None:
    values = all_values("prod")[KPS]
    values["prometheus"]["prometheusSpec"]["retentionn"] = "30d"
    with pytest.raises(DefinitionError) as raised:
        validate_values(KPS, values, "kube-prometheus-stack values")
    assert str(raised.value) == (
        "kube-prometheus-stack values: prometheus.prometheusSpec.retentionn: "
        "not a key of chart kube-prometheus-stack 88.5.3 (did you mean retention?)"
    )


def test_every_misspelled_key_is_reported_at_once_with_the_config_location() -> None:
    values = {"grafana": {"ingres": {}}, "alertmanager": {"alertmanagerSpec": {"replica": 3}}}
    with pytest.raises(DefinitionError) as raised:
        validate_values(KPS, values, "Pulumi.prod.yaml", location_prefix="observability:monitoringCluster")
    assert [(p.source, p.location) for p in raised.value.problems] == [
        ("Pulumi.prod.yaml", "observability:monitoringCluster.grafana.ingres"),
        ("Pulumi.prod.yaml", "observability:monitoringCluster.alertmanager.alertmanagerSpec.replica"),
    ]
    assert "(did you mean replicas?)" in raised.value.problems[1].message


def test_list_items_are_checked_where_the_chart_shows_an_example_item() -> None:
    hosts = [{"host": "logs.example.com", "paths": [{"path": "/", "pathTyp": "Prefix"}]}]
    assert unknown_keys("loki", {"gateway": {"ingress": {"hosts": hosts}}}) == [
        "gateway.ingress.hosts[0].paths[0].pathTyp"
    ]
    assert unknown_keys("prometheus-blackbox-exporter", {"serviceMonitor": {"targets": [{"nme": "x"}]}}) == [
        "serviceMonitor.targets[0].nme"
    ]


@pytest.mark.parametrize(
    ("chart", "values"),
    [
        (
            KPS,
            {
                "prometheus": {
                    "prometheusSpec": {"additionalScrapeConfigs": [{"job_name": "x", "any": {"a": 1}}]}
                }
            },
        ),
        (KPS, {"prometheus": {"prometheusSpec": {"podMetadata": {"annotations": {"team/x": "y"}}}}}),
        (KPS, {"grafana": {"env": {"GF_ANYTHING": "1"}, "grafana.ini": {"any_section": {"k": "v"}}}}),
        (KPS, {"kube-state-metrics": {"whatever": {"nested": True}}}),
        ("alloy", {"controller": {"podAnnotations": {"a/b": "c"}}, "alloy": {"extraEnv": [{"name": "X"}]}}),
        ("loki", {"singleBinary": {"podAnnotations": {"x": "y"}, "extraEnv": [{"name": "A", "value": "b"}]}}),
        (
            "loki",
            {"loki": {"limits_config": {"any_loki_limit": 1}, "storage": {"bucketNames": {"ruler": "r"}}}},
        ),
        (
            "prometheus-postgres-exporter",
            {"annotations": {"x": "y"}, "config": {"datasourceSecret": {"k": 1}}},
        ),
        (
            "prometheus-redis-exporter",
            {"env": {"REDIS_EXPORTER_X": "1"}, "extraArgs": {"include-system-metrics": True}},
        ),
    ],
)
def test_maps_the_chart_leaves_open_accept_any_key(chart: str, values: dict[str, Any]) -> None:
    validate_values(chart, values, f"{chart} values")


def test_values_that_are_not_plain_data_pass_through() -> None:
    class Output:  # stands in for a pulumi.Output, which is resolved only at deployment
        pass

    validate_values(
        "loki", {"serviceAccount": {"annotations": Output()}, "singleBinary": Output()}, "loki values"
    )


# --- secrets ----------------------------------------------------------------------------------------

SECRET_LIKE = re.compile(r"-----BEGIN|AKIA[0-9A-Z]{16}|xox[bp]-")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_values_hold_a_secret(environment: str) -> None:
    for chart, values in all_values(environment).items():
        assert inline_secret_paths(values) == [], chart
        assert not SECRET_LIKE.search(json.dumps(values)), chart


def test_the_secret_check_bites() -> None:
    values = {
        "auth": {"redisPassword": "hunter2", "passwordKey": "password", "secret": {"name": "r"}},
        "serviceAccount": {"automountServiceAccountToken": True},
    }
    assert inline_secret_paths(values) == ["auth.redisPassword"]
    assert inline_secret_paths(
        {"loki": {"storage": {"s3": {"secretAccessKey": "x", "accessKeyId": None}}}}
    ) == ["loki.storage.s3.secretAccessKey"]


BUILDERS: list[Callable[..., Any]] = [
    kube_prometheus_stack_values,
    loki_values,
    alloy_values,
    postgres_exporter_values,
    redis_exporter_values,
    blackbox_exporter_values,
]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda builder: builder.__name__)
def test_builders_take_secret_names_never_secret_values(builder: Callable[..., Any]) -> None:
    for name, parameter in inspect.signature(builder).parameters.items():
        assert "SecretValue" not in str(parameter.annotation), name
        if "secret" in name:
            assert name.endswith("_secret_name"), name
