"""Every dashboard in the shared corpus loads, normalizes to a fixed point and resolves."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from infra.catalog.dashboards import (
    DeclaredDatasource,
    canonical_json,
    check_dashboard,
    load_dashboard_file,
    load_dashboard_text,
    normalize,
    resolve_datasources,
)
from infra.catalog.dashboards.variables import referenced_names, variables_by_name, whole_reference
from tests.catalog.dashboard_support import (
    CORPUS_DIR,
    INFLUXDB,
    LOKI,
    PROJECT_DIR,
    PROMETHEUS,
    datasource_refs,
    provider_state,
)
from tests.conftest import shared_files

CORPUS = shared_files(CORPUS_DIR, "*.json")
NEEDS: dict[str, tuple[DeclaredDatasource, ...]] = {
    "heapster__events.json": (INFLUXDB,),
    "meta-monitoring__loki-logs.json": (PROMETHEUS, LOKI),
}
"""The datasources each corpus dashboard queries; the rest query Prometheus only."""
LEGACY_ROWS = {"dockprom__docker_host.json", "heapster__events.json"}
SHARED_EXPORTS = {
    "dotdc-k8s__k8s-system-api-server.json",
    "dotdc-k8s__k8s-system-coredns.json",
    "dotdc-k8s__k8s-views-global.json",
    "dotdc-k8s__k8s-views-pods.json",
    "ingress-nginx__nginx.json",
    "ingress-nginx__request-handling-performance.json",
    "rfmoz__apache-full.json",
    "rfmoz__haproxy.json",
    "rfmoz__node-exporter-full.json",
}
BUILTIN_UIDS = {"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"}


def test_the_corpus_is_there(shared_dir: Path) -> None:
    assert len(CORPUS) >= 18, f"expected the shared Grafana corpus at {CORPUS_DIR}"


def _environment(path: Path) -> tuple[tuple[DeclaredDatasource, ...], str]:
    declared = NEEDS.get(path.name, (PROMETHEUS,))
    return declared, declared[0].uid


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_loads_and_reports_its_shape(path: Path) -> None:
    raw = load_dashboard_file(path, PROJECT_DIR)
    assert raw.folder is None
    assert raw.source == str(path)
    assert raw.legacy_rows == (path.name in LEGACY_ROWS)
    assert raw.shared_export == (path.name in SHARED_EXPORTS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_normalization_is_a_fixed_point(path: Path) -> None:
    raw = load_dashboard_file(path, PROJECT_DIR)
    once = normalize(raw.dashboard, uid="corpus")
    assert normalize(once) == once
    text = canonical_json(once)
    assert canonical_json(normalize(json.loads(text))) == text
    # What the Grafana provider stores is what we send: nothing left for it to strip.
    assert provider_state(once) == json.dumps(once, sort_keys=True, separators=(",", ":"))
    for key in ("id", "version", "iteration", "__requires"):
        assert key not in once
    assert once["uid"] == (raw.uid or "corpus")
    assert "$$hashKey" not in text


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_resolves_every_datasource(path: Path) -> None:
    declared, default_uid = _environment(path)
    raw = load_dashboard_file(path, PROJECT_DIR)
    resolved = resolve_datasources(normalize(raw.dashboard, uid="corpus"), declared, default_uid, raw.source)

    assert normalize(resolved) == resolved
    variables = variables_by_name(resolved)
    uids = {d.uid for d in declared}
    placeholders = {
        n for s in _strings(resolved) if "${DS_" in s for n in referenced_names(s) if n.startswith("DS_")
    }
    for name in placeholders:  # only where a dashboard names its datasource variable DS_...
        assert variables[name]["type"] == "datasource", f"${{{name}}} is left unresolved"
    for key in ("__inputs", "__elements", "__requires"):
        assert key not in resolved
    refs = [r for r in datasource_refs(resolved) if r is not None]
    assert refs
    for ref in refs:
        assert isinstance(ref, dict), f"{ref!r} is not a {{type, uid}} reference"
        uid = ref["uid"]
        variable = whole_reference(uid)
        if variable is not None:
            assert variables[variable]["type"] == "datasource"
            assert variables[variable]["current"]["value"] in uids
        else:
            assert uid in uids | BUILTIN_UIDS, ref


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_checks_without_crashing_and_finds_no_promql_errors(path: Path) -> None:
    declared, default_uid = _environment(path)
    config, report = check_dashboard(load_dashboard_file(path, PROJECT_DIR), declared, default_uid)
    assert config["uid"]
    assert not [p for p in report.errors if "PromQL" in p.message]


def test_lint_finds_what_is_wrong_in_real_dashboards(shared_dir: Path) -> None:
    def report_of(name: str) -> list[str]:
        path = CORPUS_DIR / name
        declared, default_uid = _environment(path)
        _, report = check_dashboard(load_dashboard_file(path, PROJECT_DIR), declared, default_uid)
        return [str(p) for p in (*report.errors, *report.warnings)]

    assert any(
        'annotation "Deployments": uses $app, which is not a template variable' in m
        for m in report_of("govuk__router-requests.json")
    )
    assert any(
        'panel "Logs": overlaps panel "Log Rate"' in m for m in report_of("meta-monitoring__loki-logs.json")
    )
    docker_host = report_of("dockprom__docker_host.json")
    assert any("panel \"CPU Idle\": panel type 'singlestat' is deprecated" in m for m in docker_host)
    assert any("rows: uses the Grafana 4 rows layout" in m for m in docker_host)


# --- every accepted shape of the same dashboard loads to the same model ------------------------

SAMPLE = CORPUS_DIR / "ingress-nginx__nginx.json"


def _variants() -> dict[str, bytes]:
    text = SAMPLE.read_text(encoding="utf-8")
    document = json.loads(text)
    return {
        "utf8-bom": codecs.BOM_UTF8 + text.encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
        "bom-and-crlf": codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode(),
        "utf16-bom": text.encode("utf-16"),
        "api-payload": json.dumps({"dashboard": document, "overwrite": True, "folderUid": "x"}).encode(),
        "api-response": json.dumps({"dashboard": document, "meta": {"slug": "nginx"}}).encode(),
    }


VARIANTS = ("api-payload", "api-response", "bom-and-crlf", "crlf", "utf16-bom", "utf8-bom")


def test_the_variants_are_the_ones_listed(shared_dir: Path) -> None:
    assert sorted(_variants()) == list(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_shape_loads_to_the_same_model(variant: str, tmp_path: Path, shared_dir: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(_variants()[variant])
    expected = normalize(load_dashboard_file(SAMPLE, PROJECT_DIR).dashboard)
    raw = load_dashboard_file(path, tmp_path)
    assert raw.wrapped == variant.startswith("api-")
    assert raw.shared_export
    assert normalize(raw.dashboard) == expected


def test_hyphenated_placeholders_are_substituted() -> None:
    dashboard = {
        "__inputs": [
            {"name": "DS_PROM-EU-1", "type": "datasource", "pluginId": "prometheus"},
            {"name": "VAR_PREFIX", "type": "constant", "value": "eu"},
        ],
        "title": "Hyphens",
        "panels": [
            {
                "title": "Up",
                "type": "stat",
                "datasource": "${DS_PROM-EU-1}",
                "targets": [{"expr": 'up{job="${VAR_PREFIX}-api"}', "refId": "A"}],
            }
        ],
    }
    raw = load_dashboard_text(json.dumps(dashboard), "export.json", None)
    resolved = resolve_datasources(normalize(raw.dashboard), [PROMETHEUS], "prometheus", raw.source)
    panel = resolved["panels"][0]
    assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert panel["targets"][0]["expr"] == 'up{job="eu-api"}'
