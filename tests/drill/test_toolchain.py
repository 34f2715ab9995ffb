"""The tools the checks and drills run are the versions the pinned charts deploy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.catalog.upstream_tools import installed_version, require_tool
from infra.helm.versions import chart_pin
from obsctl.toolchain import pinned_tools, prometheus_module_version


def test_prometheus_3_versions_map_to_module_versions() -> None:
    assert prometheus_module_version("v3.14.0") == "v0.314.0"
    assert prometheus_module_version("3.5.2") == "v0.305.2"
    assert prometheus_module_version("v2.53.1") == "v2.53.1"


def test_the_pins_are_the_images_the_chart_values_deploy(shared_dir: Path) -> None:
    pin = chart_pin("kube-prometheus-stack")
    values_file = shared_dir / "schemas" / "charts" / "kube-prometheus-stack" / "values.yaml"
    values = yaml.safe_load(values_file.read_text(encoding="utf-8"))
    deployed = {
        "prometheus": values["prometheus"]["prometheusSpec"]["image"]["tag"],
        "alertmanager": values["alertmanager"]["alertmanagerSpec"]["image"]["tag"],
    }
    for component, tag in deployed.items():
        assert pin.image(component) == tag.split("-")[0], f"{component}: chart deploys {tag}"


@pytest.mark.parametrize("tool", pinned_tools(), ids=lambda t: t.name)
def test_the_installed_tool_is_the_pinned_version(tool: object) -> None:
    name, version = tool.name, tool.version  # type: ignore[attr-defined]
    path = require_tool(name)
    assert installed_version(path) == version, (
        f"{path} is {installed_version(path)}, the charts deploy {version}"
    )
