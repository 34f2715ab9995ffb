"""``observability:monitoringCluster.helmValues``: extra chart values, checked against the chart."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from infra.errors import DefinitionError
from infra.kubernetes.releases import STAND_INS, check_release_values, release_specs
from infra.settings.kubernetes import MonitoringClusterSettings
from tests.conftest import PROJECT_DIR


def _prod_cluster(helm_values: dict[str, Any]) -> MonitoringClusterSettings:
    config = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())["config"]
    return MonitoringClusterSettings.model_validate(
        {**config["observability:monitoringCluster"], "helmValues": helm_values}
    )


def _check(cluster: MonitoringClusterSettings) -> None:
    check_release_values(cluster, environment="prod", region="us-east-1", source="Pulumi.prod.yaml")


def test_a_misspelled_key_names_the_stack_key_path_and_suggests_the_real_one() -> None:
    cluster = _prod_cluster(
        {"kube-prometheus-stack": {"prometheus": {"prometheusSpec": {"retentionn": "10d"}}}}
    )
    with pytest.raises(DefinitionError) as caught:
        _check(cluster)
    assert str(caught.value) == (
        "Pulumi.prod.yaml: observability:monitoringCluster.helmValues.kube-prometheus-stack"
        ".prometheus.prometheusSpec.retentionn: not a key of chart kube-prometheus-stack 88.5.3 "
        "(did you mean retention?)"
    )


def test_an_unknown_release_is_an_error() -> None:
    with pytest.raises(DefinitionError, match=r"helmValues.lokki: is not a release of this stack"):
        _check(_prod_cluster({"lokki": {"singleBinary": {"replicas": 1}}}))


def test_open_maps_take_any_key_and_values_merge_over_the_built_ones() -> None:
    extra = {
        "prometheus": {"prometheusSpec": {"podMetadata": {"annotations": {"team.example.com/owner": "sre"}}}}
    }
    cluster = _prod_cluster({"kube-prometheus-stack": extra})
    _check(cluster)
    (kps,) = [
        s
        for s in release_specs(cluster, environment="prod", region="us-east-1", apply_time=STAND_INS)
        if s.release == "kube-prometheus-stack"
    ]
    spec = kps.values["prometheus"]["prometheusSpec"]
    assert spec["podMetadata"]["annotations"] == {"team.example.com/owner": "sre"}
    assert spec["replicas"] == 2, "the built values are kept where the override says nothing"


def test_a_secret_written_inline_in_helm_values_is_refused() -> None:
    ini = {"grafana.ini": {"security": {"admin_password": "hunter2"}}}
    cluster = _prod_cluster({"kube-prometheus-stack": {"grafana": ini}})
    with pytest.raises(DefinitionError, match=r"holds a secret inline"):
        _check(cluster)
