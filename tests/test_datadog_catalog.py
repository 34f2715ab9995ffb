"""The Datadog monitor catalog: loading every shape, rendering per stack, normalization."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infra.catalog.datadog import DatadogCatalog, load_catalog, render_monitors
from infra.catalog.datadog.normalize import normalize, provider_inputs
from infra.catalog.datadog.schema import SCHEMA_DIR, generated_schemas
from infra.errors import DefinitionError
from infra.settings.datadog import DatadogSettings
from tests.datadog_support import provider_args

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
CORPUS = SHARED / "corpus" / "datadog-monitors"
SHIPPED = REPO / "alerts" / "datadog"

PAGERDUTY = "@pagerduty-ExternalMetrics"
SLACK = "@slack-external-metrics-alerts"
EMAIL = "@sre-team@example.com"
ROUTING = {"critical": PAGERDUTY, "warning": SLACK, "info": EMAIL}


def settings(**section: Any) -> DatadogSettings:
    return DatadogSettings.model_validate({"enabled": True, "routing": ROUTING, **section})


@cache
def corpus_catalog() -> DatadogCatalog:
    return load_catalog(REPO, CORPUS)


@cache
def shipped_catalog() -> DatadogCatalog:
    return load_catalog(REPO)


def api_echo(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the Datadog API client reads it back: thresholds as floats, models to dicts."""
    from datadog_api_client import Configuration
    from datadog_api_client.model_utils import validate_and_convert_types
    from datadog_api_client.v1.model.monitor import Monitor

    model = validate_and_convert_types(payload, (Monitor,), ["m"], True, True, configuration=Configuration())
    echoed: dict[str, Any] = model.to_dict()
    return echoed


# --- loading ---------------------------------------------------------------------------------


def test_every_corpus_file_loads_with_ids_from_keys_or_file_names(shared_dir: Path) -> None:
    catalog = corpus_catalog()
    sources = {monitor.source for monitor in catalog.monitors.values()}
    corpus_files = {f"../shared/corpus/datadog-monitors/{p.name}" for p in CORPUS.iterdir()}
    assert sources == corpus_files
    # A JSON export and an integration package monitor take their file name as id ...
    assert catalog.monitors["cloudposse-dd__schedule-test"].definition.type == "event-v2 alert"
    assert catalog.monitors["dd-core-nginx__5xx"].definition.name == "[NGINX] 5xx Errors higher than usual"
    # ... a YAML catalog its keys, with options flat and tags as a map.
    rds = catalog.monitors["rds-cpuutilization"]
    assert rds.source.endswith("cloudposse-dd__rds.yaml")
    assert rds.definition.effective_options().thresholds is not None
    assert rds.definition.tags == {"ManagedBy": "Terraform"}


def test_every_corpus_monitor_renders_and_validates_for_a_test_stack(shared_dir: Path) -> None:
    catalog = corpus_catalog()
    rendered = {monitor.id: monitor for monitor in render_monitors(catalog, settings(), "test")}
    disabled = {i for i, m in catalog.monitors.items() if not m.definition.enabled}
    assert disabled == {"k8s-hpa-errors"}
    assert set(rendered) == set(catalog.monitors) - disabled
    tailscale = rendered["dd-extras-tailscale__physical_traffic_received"].inputs
    assert (
        tailscale["name"] == "Unusually High Physical Traffic To Destination: {{[@physicalTraffic.dst].name}}"
    )
    query = tailscale["variables"]["event_queries"][0]
    assert query["computes"] == [{"aggregation": "cardinality", "metric": "@physicalTraffic.rxBytes"}]
    assert query["group_bies"][0]["facet"] == "@physicalTraffic.dst"
    schedule = rendered["cloudposse-dd__schedule-test"].inputs["scheduling_options"]
    assert schedule["custom_schedule"]["recurrence"]["timezone"] == "America/Los_Angeles"


def test_the_shipped_catalog_renders_for_both_stacks() -> None:
    for stack in ("staging", "prod"):
        rendered = render_monitors(shipped_catalog(), settings(), stack)
        ids = {monitor.id for monitor in rendered}
        assert {"cpu-high", "memory-high", "disk-full", "api-error-rate", "api-p95-latency"} <= ids
        assert {"db-can-connect", "db-connections-high", "log-error-rate-high", "log-security-event"} <= ids
        for monitor in rendered:
            assert "{{env}}" not in monitor.inputs["query"]
            assert f"env:{stack}" in monitor.inputs["tags"]


def test_shipped_monitors_carry_the_design_notes_thresholds() -> None:
    by_id = {m.id: m.inputs for m in render_monitors(shipped_catalog(), settings(), "prod")}
    expected = {
        "cpu-high": ("80", "last_5m"),
        "memory-high": ("90", "last_3m"),
        "disk-full": ("95", "last_1m"),
        "api-error-rate": ("5", "last_5m"),
        "api-p95-latency": ("500", "last_5m"),
        "log-error-rate-high": ("100", '"5m"'),
    }
    for monitor_id, (critical, window) in expected.items():
        assert by_id[monitor_id]["monitor_thresholds"]["critical"] == critical, monitor_id
        assert window in by_id[monitor_id]["query"], monitor_id
    assert "app.requests.total" in by_id["api-error-rate"]["query"]
    assert "app.latency" in by_id["api-p95-latency"]["query"]
    assert "status:critical" in by_id["log-security-event"]["query"]


def test_shipped_files_point_editors_at_the_schema_and_satisfy_it() -> None:
    checks = [
        (sorted(SHIPPED.glob("*.yaml")), "../../schemas/datadog-monitors.schema.json"),
        (sorted((SHIPPED / "pipelines").glob("*.yaml")), "../../../schemas/datadog-pipelines.schema.json"),
    ]
    for paths, schema_path in checks:
        assert paths
        schema = json.loads((REPO / SCHEMA_DIR / Path(schema_path).name).read_text())
        for path in paths:
            assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema={schema_path}", path
            assert (path.parent / schema_path).resolve().is_file()
            jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_monitor_schema_accepts_the_corpus_yaml_catalogs() -> None:
    schema = json.loads((REPO / SCHEMA_DIR / "datadog-monitors.schema.json").read_text())
    for path in CORPUS.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError, match="'metric alrt' is not one of"):
        jsonschema.validate({"m": {"name": "n", "type": "metric alrt", "query": "q"}}, schema)


def test_the_shipped_schemas_equal_the_generated_ones() -> None:
    for file_name, text in generated_schemas().items():
        shipped = (REPO / SCHEMA_DIR / file_name).read_text()
        assert shipped == text, f"run `python -m infra.catalog.datadog --write-schema` to refresh {file_name}"


def test_the_schema_lists_monitor_types_from_the_api_client() -> None:
    from datadog_api_client.v1.model.monitor_type import MonitorType

    schema = json.loads(generated_schemas()["datadog-monitors.schema.json"])
    type_schema = schema["$defs"]["MonitorDefinition"]["properties"]["type"]
    assert set(type_schema["enum"]) == set(MonitorType.allowed_values)


def test_the_catalog_does_not_import_pulumi() -> None:
    code = (
        "import sys; from pathlib import Path; import infra.catalog.datadog as d;"
        "from infra.settings.datadog import DatadogSettings;"
        "d.render_monitors(d.load_catalog(Path('.')), DatadogSettings(), 's');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_datadog')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- normalization ---------------------------------------------------------------------------


def all_rendered() -> list[Any]:
    return [
        *render_monitors(corpus_catalog(), settings(), "test"),
        *render_monitors(shipped_catalog(), settings(), "prod"),
    ]


def test_normalized_payloads_are_a_fixed_point() -> None:
    for monitor in all_rendered():
        payload = dict(monitor.payload)
        assert normalize(payload) == payload, monitor.id
        # What the API hands back (thresholds as floats, every list a list) normalizes to the same
        # payload and the same provider inputs, so a deployed monitor shows no diff.
        echoed = normalize(api_echo(payload))
        assert echoed == payload, monitor.id
        extras = {k: v for k, v in monitor.inputs.items() if k in ("validate", "force_delete")}
        assert {**provider_inputs(echoed), **extras} == monitor.inputs, monitor.id


def test_normalization_matches_what_the_provider_and_api_store() -> None:
    payload = {
        "name": "  CPU  \n",
        "type": "metric alert",
        "query": "avg(last_5m):avg:system.cpu.user{*} > 80.0\n",
        "message": "\nhigh\n",
        "tags": ["b:2", "a:1", "b:2"],
        "restricted_roles": [],
        "priority": 3.0,
        "options": {
            "thresholds": {"warning": 70.0},
            "renotify_statuses": [],
            "silenced": {},
            "locked": False,
            "escalation_message": "  ",
            "threshold_windows": {},
            "enable_logs_sample": False,
        },
    }
    assert normalize(payload) == {
        "name": "CPU",
        "type": "metric alert",
        "query": "avg(last_5m):avg:system.cpu.user{*} > 80.0",
        "message": "high",
        "tags": ["a:1", "b:2"],
        "priority": 3,
        "options": {"thresholds": {"warning": 70, "critical": 80}},
    }
    inputs = provider_inputs(normalize(payload))
    assert inputs["monitor_thresholds"] == {"warning": "70", "critical": "80"}
    assert inputs["priority"] == "3"


# --- provider argument names -----------------------------------------------------------------


def test_rendered_inputs_use_the_providers_argument_names() -> None:
    accepted = provider_args("MonitorArgs", "monitor")
    assert {"name", "type", "query", "message", "monitor_thresholds", "notify_bies"} <= accepted
    nested = {
        "monitor_thresholds": "MonitorMonitorThresholdsArgs",
        "monitor_threshold_windows": "MonitorMonitorThresholdWindowsArgs",
        "scheduling_options": "MonitorSchedulingOptionsArgs",
        "variables": "MonitorVariablesArgs",
    }
    for monitor in all_rendered():
        assert set(monitor.inputs) <= accepted, (monitor.id, set(monitor.inputs) - accepted)
        for key, class_name in nested.items():
            if key in monitor.inputs:
                assert set(monitor.inputs[key]) <= provider_args(class_name), (monitor.id, key)
        for query in monitor.inputs.get("variables", {}).get("event_queries", []):
            assert set(query) <= provider_args("MonitorVariablesEventQueryArgs"), monitor.id


def test_a_catalog_with_a_broken_file_reports_it_without_a_traceback(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "broken.yaml").write_text("cpu:\n  name: [unclosed\n")
    (directory / "export.json").write_text('{"name": "x",}')
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tmp_path)
    text = str(raised.value)
    assert "alerts/datadog/broken.yaml: line " in text and "not valid YAML" in text
    assert "alerts/datadog/export.json: line 1, column 14: invalid JSON" in text


PACKAGE_MONITOR = {
    "name": "[Redis] Memory high on {{host.name}}",
    "type": "query alert",
    "query": "avg(last_5m):avg:redis.mem.used{$env} by {host} > 1000000000",
    "message": "Redis memory is high",
    "tags": ["integration:redis"],
    "options": {"thresholds": {"critical": 1000000000}},
}


@pytest.mark.parametrize(
    ("document", "kept"),
    [
        (
            {
                "version": 2,
                "title": "Redis memory",
                "description": "d",
                "template_variables": [
                    {"name": "env", "prefix": "env", "available_values": [], "default": "*"}
                ],
                "definition": PACKAGE_MONITOR,
            },
            True,
        ),
        ({**PACKAGE_MONITOR, "recommended_monitor_metadata": {"description": "d"}}, True),
        ({"version": 2, "definition": PACKAGE_MONITOR, "screenshot": "x.png"}, False),
    ],
    ids=["package-with-template-variables", "older-flat-package", "unknown-wrapper-field"],
)
def test_integration_package_monitors_in_both_formats(
    tmp_path: Path, document: dict[str, Any], kept: bool
) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    (directory / "redis-memory.json").write_text(json.dumps(document))
    if not kept:
        with pytest.raises(DefinitionError, match="unknown integration monitor fields: screenshot"):
            load_catalog(tmp_path)
        return
    settings = DatadogSettings.model_validate({"enabled": True, "routing": {"critical": "@pagerduty-x"}})
    (monitor,) = render_monitors(load_catalog(tmp_path), settings, "prod")
    assert monitor.inputs["query"] == "avg(last_5m):avg:redis.mem.used{env:prod} by {host} > 1000000000"
