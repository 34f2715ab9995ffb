"""``obsctl import datadog``: monitors as people have them in, one canonical catalog file out, and
the stack settings that finish the job (template variable values, a default runbook link)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog.datadog import load_catalog, render_monitors
from infra.errors import DefinitionError
from infra.settings.datadog import DatadogSettings
from obsctl.plan import Plan
from tests.conftest import PROJECT_DIR, obsctl_in, project_copy, shared_files

CORPUS = shared_files(PROJECT_DIR.parent / "shared" / "corpus" / "datadog-monitors")
RUNBOOK_TEMPLATE = "https://runbooks.example.com/datadog/{id}"
PACKAGE = {
    "version": 2,
    "title": "Redis memory",
    "description": "Memory used by Redis",
    "tags": ["integration:redis"],
    "template_variables": [{"name": "env", "prefix": "env", "available_values": [], "defaults": ["*"]}],
    "definition": {
        "name": "[Redis] Memory high on {{host.name}}",
        "type": "query alert",
        "query": "avg(last_5m):avg:redis.mem.used{$env} by {host} > 1000000000",
        "message": "Redis memory is high",
        "tags": ["integration:redis"],
        "options": {"thresholds": {"critical": 1000000000}, "locked": False, "silenced": {}},
    },
}
EXPORTED = {
    "id": 1234,
    "org_id": 5,
    "creator": {"email": "someone@example.com"},
    "overall_state": "OK",
    "name": "Queue depth high",
    "type": "metric alert",
    "query": "avg(last_5m):avg:queue.depth{$env} > 100",
    "message": "Queue is backing up https://wiki.example.com/queue",
    "tags": ["team:platform"],
    "options": {"thresholds": {"critical": 100}, "notify_no_data": False, "restriction_query": None},
    "priority": 2,
    "restricted_roles": None,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project", stacks=("staging", "prod"))


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document) if path.suffix == ".json" else yaml.safe_dump(document))
    return path


def _datadog_runbook_template(project: Path) -> str | None:
    """The runbook link template prod's observability:datadog sets, if any."""
    config = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())["config"]
    return (config.get("observability:datadog") or {}).get("runbookUrlTemplate")


def _import(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    return obsctl_in(project, capsys, "import", "datadog", *args)


def _rendered(root: Path, stack: str = "prod", **settings: Any) -> dict[str, Any]:
    config = DatadogSettings.model_validate({"enabled": True, **settings})
    return {m.id: m.inputs for m in render_monitors(load_catalog(root), config, stack)}


def test_a_package_monitor_is_written_canonically_and_its_env_scope_renders_as_the_env_tag(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "redis-memory.json", PACKAGE)
    status, output = _import(project, capsys, str(source))
    assert status == 0, output
    written = project / "alerts" / "datadog" / "redis-memory.yaml"
    assert "wrote alerts/datadog/redis-memory.yaml" in output
    assert (
        "created_at" not in output
        and "description, tags, title, version (package metadata, not deployed)" in output
    )
    assert "severity: routed as warning (from no priority): redis-memory" in output
    if not _datadog_runbook_template(project):  # unless a team set it already
        assert 'runbookUrlTemplate: "https://runbooks.example.com/datadog/{id}"' in output
    text = written.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/datadog-monitors.schema.json\n")
    entry = yaml.safe_load(text)["redis-memory"]
    assert list(entry) == ["name", "type", "query", "message", "tags", "options"]
    assert entry["options"] == {"thresholds": {"critical": 1000000000}}  # locked: false, silenced: {} dropped
    query = _rendered(project, runbookUrlTemplate=RUNBOOK_TEMPLATE)["redis-memory"]["query"]
    assert query == "avg(last_5m):avg:redis.mem.used{env:prod} by {host} > 1000000000"


def test_an_existing_file_is_replaced_only_with_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "redis-memory.json", PACKAGE)
    assert _import(project, capsys, str(source))[0] == 0
    status, output = _import(project, capsys, str(source))
    assert status == 1 and "alerts/datadog/redis-memory.yaml: exists: pass --force" in output
    assert _import(project, capsys, str(source), "--force")[0] == 0


def test_api_list_and_search_responses_become_one_catalog_keyed_by_name(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = _write(
        tmp_path / "listed.json", [EXPORTED, {**EXPORTED, "id": 99, "query": "avg(last_5m):avg:q{*} > 100"}]
    )
    searched = _write(
        tmp_path / "searched.json",
        {
            "monitors": [{**EXPORTED, "name": "Other", "status": "OK", "classification": "metric"}],
            "metadata": {},
        },
    )
    status, output = _import(
        project, capsys, str(listed), str(searched), "--to", str(project / "alerts/datadog/ops.yaml")
    )
    assert status == 0, output
    catalog = yaml.safe_load((project / "alerts" / "datadog" / "ops.yaml").read_text())
    assert list(catalog) == ["queue-depth-high", "queue-depth-high-99", "other"]
    assert (
        catalog["queue-depth-high"]["priority"] == 2 and "restricted_roles" not in catalog["queue-depth-high"]
    )
    assert "creator, id, org_id, overall_state (set by Datadog, not by the monitor's author)" in output


def test_a_flattened_catalog_with_tag_maps_is_nested_and_listed(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "k8s.yaml"
    source.write_text(
        "pods-failing:\n  name: Pods failing\n  type: metric alert\n"
        "  query: |\n    avg(last_5m):sum:kubernetes_state.pod.status_phase{phase:failed} > 10\n"
        "  tags: {ManagedBy: Terraform, team: k8s}\n  escalation_message: ''\n  threshold_windows: {}\n"
        "  renotify_statuses: []\n  thresholds: {warning: 5, critical: 10}\n  notify_no_data: false\n"
    )
    status, output = _import(project, capsys, str(source))
    assert status == 0, output
    entry = yaml.safe_load((project / "alerts" / "datadog" / "k8s.yaml").read_text())["pods-failing"]
    assert entry["query"] == "avg(last_5m):sum:kubernetes_state.pod.status_phase{phase:failed} > 10"
    assert entry["tags"] == ["team:k8s"]
    assert entry["options"] == {"thresholds": {"critical": 10, "warning": 5}, "notify_no_data": False}
    assert "tag ManagedBy:Terraform (every stack tags its monitors managed-by:pulumi)" in output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"options": {"thresholds": {"critical": 100}, "notify_no_dta": True}},
            "queue: options.notify_no_dta: unknown field (did you mean notify_no_data?)",
        ),
        ({"type": "metric alrt"}, "queue: type: 'metric alrt' is not a value the Datadog API accepts"),
        ({"options": {"thresholds": {"critical": 90}}}, "queue: options.thresholds.critical: 90 disagrees"),
    ],
    ids=["unknown-key", "client-model", "threshold"],
)
def test_a_monitor_the_plan_would_refuse_is_not_written(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], expected: str
) -> None:
    source = _write(tmp_path / "queue.json", {**EXPORTED, **change})
    status, output = _import(project, capsys, str(source))
    assert status == 1
    assert str(source) in output and expected in output, output
    assert "Traceback" not in output
    assert not (project / "alerts" / "datadog" / "queue.yaml").exists()


def test_an_id_the_catalog_already_has_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "more.yaml", {"cpu-high": {k: EXPORTED[k] for k in ("name", "type", "query")}})
    status, output = _import(project, capsys, str(source))
    assert status == 1 and "cpu-high: monitor id already defined in alerts/datadog/" in output, output


def test_a_package_template_variable_takes_the_stack_value_under_its_tag_key(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    definition = {
        **PACKAGE["definition"],
        "query": "avg(last_5m):avg:redis.mem.used{$env,$cluster} by {host} > 1000000000",
    }
    variables = [{"name": "env", "prefix": "env"}, {"name": "cluster", "prefix": "kube_cluster_name"}]
    _write(directory / "redis.json", {**PACKAGE, "template_variables": variables, "definition": definition})
    with pytest.raises(DefinitionError) as raised:
        _rendered(tmp_path)
    assert str(raised.value) == (
        "alerts/datadog/redis.json: redis: query: template variable $cluster has no value in stack prod, and "
        "Datadog does not resolve template variables in a monitor's query: set "
        'observability:datadog.templateVariables.cluster in Pulumi.prod.yaml (a tag value, or "*" for every '
        "value), or write the query without it"
    )
    query = _rendered(tmp_path, templateVariables={"cluster": "metrics-prod"})["redis"]["query"]
    assert "{env:prod,kube_cluster_name:metrics-prod} by {host}" in query
    query = _rendered(tmp_path, templateVariables={"cluster": "*"})["redis"]["query"]
    assert "{env:prod} by {host}" in query


def test_the_stack_runbook_template_fills_only_messages_without_a_link(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog"
    directory.mkdir(parents=True)
    bare = {k: EXPORTED[k] for k in ("name", "type", "query")}
    _write(directory / "m.yaml", {"bare": bare, "linked": {**bare, "message": EXPORTED["message"]}})
    monitors = _rendered(tmp_path, runbookUrlTemplate="https://runbooks.example.com/{env}/{id}")
    assert monitors["bare"]["message"].startswith("Runbook: https://runbooks.example.com/prod/bare")
    assert "runbooks.example.com" not in monitors["linked"]["message"]
    assert "runbooks.example.com" not in _rendered(tmp_path)["bare"]["message"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"runbookUrlTemplate": "https://x.example.com/{monitor}"}, "{monitor} is not a placeholder"),
        ({"runbookUrlTemplate": "https://x.example.com/{idd}"}, "did you mean {id}?"),
        ({"templateVariables": {"env": "prod"}}, "set observability:datadog.env instead"),
        ({"templateVariables": {"cluster": "a b"}}, "templateVariables.cluster"),
    ],
)
def test_stack_settings_for_imported_monitors_are_checked(settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=None) as raised:
        DatadogSettings.model_validate(settings)
    assert expected in str(raised.value)


@pytest.mark.slow
def test_every_corpus_monitor_imports_and_prod_then_plans(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    for source in [*CORPUS, _write(tmp_path / "redis-memory.json", PACKAGE)]:
        # --force: a repository that imported the corpus already holds these files, by these names.
        status, output = _import(project, capsys, str(source), "--force")
        assert status == 0, f"{source.name}:\n{output}"
        assert "wrote alerts/datadog/" in output and "Traceback" not in output
    # What the import prints as the one stack setting prod still lacks (unless a team set it).
    stack_file = project / "Pulumi.prod.yaml"
    if not _datadog_runbook_template(project):
        stack_file.write_text(
            stack_file.read_text().replace(
                "  observability:datadog:\n",
                f'  observability:datadog:\n    runbookUrlTemplate: "{RUNBOOK_TEMPLATE}"\n',
                1,
            )
        )
    status, output = obsctl_in(project, capsys, "plan", "prod", "--json", str(tmp_path / "plan.json"))
    assert status == 0, output
    resources = json.loads((tmp_path / "plan.json").read_text())["resources"]
    monitors = {r["name"]: r["inputs"] for r in resources if r["type"] == "datadog:index/monitor:Monitor"}
    assert len(monitors) >= 10 + len(CORPUS)
    assert (
        monitors["datadog-redis-memory"]["query"]
        == "avg(last_5m):avg:redis.mem.used{env:prod} by {host} > 1000000000"
    )
    assert "Runbook: https://" in monitors["datadog-k8s-pod-restarting"]["message"]


def test_the_runbook_policy_names_both_ways_to_satisfy_it(prod_fixture: Plan) -> None:
    from tests.policy_fixtures import MONITOR, assert_clean, assert_only, get

    def no_link(plan: Plan) -> None:
        monitor = get(plan, MONITOR)
        monitor.inputs["message"] = "Latency is high @pagerduty-ExternalMetrics"

    details = assert_only(
        prod_fixture, no_link, "alert-severity-and-runbook", "the message has no runbook URL"
    )
    assert "`runbook_url:`" in details and "observability:datadog.runbookUrlTemplate" in details

    def runbook_asset(plan: Plan) -> None:
        no_link(plan)
        asset = {"category": "runbook", "name": "Runbook", "url": "https://runbooks.example.com/latency"}
        get(plan, MONITOR).inputs["assets"] = [asset]

    assert_clean(prod_fixture, runbook_asset)


def test_a_synthetics_option_is_refused_with_the_reason(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {"thresholds": {"critical": 100}, "synthetics_check_id": "abc-def-ghi"}
    source = _write(tmp_path / "queue.json", {**EXPORTED, "options": options})
    status, output = _import(project, capsys, str(source))
    assert status == 1
    assert "queue: options.synthetics_check_id: belongs to the synthetic test" in output, output


def test_the_import_never_imports_the_pulumi_providers(project: Path, tmp_path: Path) -> None:
    source = _write(tmp_path / "redis-memory.json", PACKAGE)
    script = (
        "import sys\nfrom obsctl.cli import main\n"
        f"status = main(['--project-dir', {str(project)!r}, 'import', 'datadog', {str(source)!r}])\n"
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_datadog')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr
