"""The shipped key indexes of the pinned charts: generated from ../shared, and unable to drift."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.helm import chart_facts, chart_index
from infra.helm.chart_facts import ChartFacts, CommentedKey
from infra.helm.chart_index import build_index, load_index, regenerate
from infra.helm.versions import chart_pin, chart_pins
from tests.conftest import PROJECT_DIR

KPS = "kube-prometheus-stack"
CHARTS_DIR = PROJECT_DIR / "infra" / "charts"


def charts_dir(shared_dir: Path) -> Path:
    return shared_dir / "schemas" / "charts"


def test_shipped_key_indexes_regenerate_identically_from_shared(shared_dir: Path) -> None:
    regenerated = regenerate(charts_dir(shared_dir))
    assert set(regenerated) == {
        pin.key_index_file for pin in chart_pins().values() if pin.key_index == "generated"
    }
    for file_name, content in regenerated.items():
        assert (CHARTS_DIR / file_name).read_text() == content, f"{file_name} is stale: run chart_index"


def test_every_shipped_index_belongs_to_a_pinned_chart() -> None:
    shipped = {path.name for path in CHARTS_DIR.glob("*.keys.json")}
    assert shipped == {pin.key_index_file for pin in chart_pins().values()}
    for name in chart_pins():
        index = load_index(name)
        assert index.version == chart_pin(name).version
    assert load_index("prometheus-blackbox-exporter").curated


def test_pins_match_the_charts_in_shared(shared_dir: Path) -> None:
    for name in chart_index.generated_charts():
        chart = yaml.safe_load((charts_dir(shared_dir) / name / "Chart.yaml").read_text())
        pin = chart_pin(name)
        assert (str(chart["version"]), str(chart["appVersion"])) == (pin.version, pin.app_version)
    dependencies = yaml.safe_load((charts_dir(shared_dir) / KPS / "Chart.yaml").read_text())["dependencies"]
    grafana = next(d for d in dependencies if d["name"] == "grafana")
    assert chart_pin(KPS).repo == next(
        d["repository"] for d in dependencies if d["name"] == "kube-state-metrics"
    )
    assert chart_pin("loki").repo == grafana["repository"]


def test_check_mode_reports_a_stale_index(shared_dir: Path, tmp_path: Path) -> None:
    assert chart_index.main([str(charts_dir(shared_dir)), "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == set(regenerate(charts_dir(shared_dir)))
    assert chart_index.main([str(charts_dir(shared_dir)), "--out", str(tmp_path), "--check"]) == 0
    stale = tmp_path / chart_pin("loki").key_index_file
    stale.write_text("{}\n")
    assert chart_index.main([str(charts_dir(shared_dir)), "--out", str(tmp_path), "--check"]) == 1


def test_index_knows_subchart_keys_and_documented_comments(shared_dir: Path) -> None:
    keys = build_index(charts_dir(shared_dir), KPS)["keys"]
    assert keys["grafana"]["admin"]["existingSecret"] == "value"  # from the grafana sub-chart
    assert keys["grafana"]["serviceAccount"]["annotations"] == "open"  # documented only in a comment
    assert keys["alertmanager"]["alertmanagerSpec"]["configSecret"] == "value"
    assert keys["kube-state-metrics"] == "open"  # its values.yaml is not available
    assert keys["alertmanager"]["config"] == "open"  # Alertmanager's own file
    loki = build_index(charts_dir(shared_dir), "loki")["keys"]
    assert loki["loki"]["limits_config"] == "open"  # declared open by the chart's values.schema.json


def test_generator_refuses_a_commented_key_the_chart_no_longer_documents(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = ChartFacts(commented_keys=(CommentedKey(("serviceAccount", "annotationz"), "open"),))
    monkeypatch.setitem(chart_facts.CURATED, "prometheus-redis-exporter", stale)
    with pytest.raises(ValueError, match=r"no longer documents serviceAccount\.annotationz"):
        build_index(charts_dir(shared_dir), "prometheus-redis-exporter")
