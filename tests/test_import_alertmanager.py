"""``obsctl import alertmanager``: a real configuration in, its secrets out, bound again per stack."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from infra.catalog.alertmanager import CONFIG_FILE, load_alertmanager
from infra.catalog.alertmanager_import import import_alertmanager, secret_strings
from infra.config import load_settings
from infra.helm.values.common import ALERTMANAGER_CONFIG_KEY
from infra.secret_shapes import stand_in_secrets
from obsctl.plan import reveal
from obsctl.runner import plan_stack
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, REQUIRE_TOOLS, obsctl_in, project_copy, shared_files

WEBHOOK = "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/qwertyuiopasdfghjklzxcvb"
CONFIG = {
    "route": {"receiver": "team-slack", "group_by": ["alertname"]},
    "receivers": [
        {
            "name": "team-slack",
            "slack_configs": [{"api_url": WEBHOOK, "channel": "#alerts", "send_resolved": True}],
        }
    ],
}
CORPUS = shared_files(PROJECT_DIR.parent / "shared" / "corpus" / "alertmanager")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


def _import(project: Path, capsys: pytest.CaptureFixture[str], source: Path, *args: str) -> tuple[int, str]:
    status, output = obsctl_in(
        project, capsys, "import", "alertmanager", str(source), "--stack", "staging", *args
    )
    if "NOT checked by amtool" in output and not REQUIRE_TOOLS:
        pytest.skip("needs amtool, which `make tools` could not install here")
    return status, output


def _printed_bindings(output: str) -> dict[str, str]:
    lines = output.splitlines()
    start = lines.index("    secrets:") + 1
    bindings = {}
    for line in lines[start:]:
        if not line.startswith("      "):
            break
        name, key = line.strip().split(": ")
        bindings[name] = key
    return bindings


def test_an_inline_webhook_becomes_a_placeholder_and_the_printed_binding_plans(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text(yaml.safe_dump(CONFIG))
    status, output = _import(project, capsys, source, "--force")
    assert status == 0, output
    assert WEBHOOK not in output
    written = (project / CONFIG_FILE).read_text()
    assert WEBHOOK not in written and "${secret:team-slack-slack-api-url}" in written
    bindings = _printed_bindings(output)
    assert bindings == {"team-slack-slack-api-url": "alertmanagerTeamSlackSlackApiUrl"}
    assert (
        "pulumi config set --secret observability:alertmanagerTeamSlackSlackApiUrl <value> --stack staging"
        in output
    )
    # Bind as printed, set the value as the printed command would, and plan.
    stack_file = project / "Pulumi.staging.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    stack["config"]["observability:alertmanager"] = {"secrets": bindings}
    stack_file.write_text(yaml.safe_dump(stack, sort_keys=False))
    settings = load_settings(read_stack_file(project, "staging").raw)
    alertmanager = load_alertmanager(project / CONFIG_FILE, project)
    secrets = {f"observability:{k}": v for k, v in stand_in_secrets(settings, alertmanager, "0" * 32).items()}
    secrets["observability:alertmanagerTeamSlackSlackApiUrl"] = WEBHOOK
    plan = plan_stack(project, "staging", secrets=secrets)
    data = [reveal(s.inputs.get("stringData")) or {} for s in plan.by_type("kubernetes:core/v1:Secret")]
    rendered = [entry[ALERTMANAGER_CONFIG_KEY] for entry in data if ALERTMANAGER_CONFIG_KEY in entry]
    assert rendered and WEBHOOK in rendered[0]
    assert WEBHOOK not in plan.dumps()


def test_the_routing_table_and_drills_that_expect_the_old_receivers_are_named(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    shutil.copytree(PROJECT_DIR / "drills", project / "drills")
    (project / "tests" / "alertmanager").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "tests" / "alertmanager" / "routes.yaml", project / "tests" / "alertmanager")
    source = tmp_path / "alertmanager.yml"
    source.write_text(yaml.safe_dump(CONFIG))
    status, output = _import(project, capsys, source, "--force")
    assert status == 0, output
    assert (
        "still to decide: tests/alertmanager/routes.yaml expects receivers the new configuration does not define"
        in output
    )
    assert (
        "still to decide: drills/gateway.yaml expects receivers" in output and "pagerduty-platform" in output
    )


def test_a_kubernetes_secret_is_unwrapped(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    encoded = base64.b64encode(yaml.safe_dump(CONFIG).encode()).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "alertmanager-main"},
        "data": {"alertmanager.yaml": encoded},
    }
    source = tmp_path / "secret.yaml"
    source.write_text(yaml.safe_dump(secret))
    status, output = _import(project, capsys, source, "--force")
    assert status == 0, output
    assert "unwrapped the Kubernetes Secret 'alertmanager-main'" in output
    assert yaml.safe_load((project / CONFIG_FILE).read_text())["route"]["receiver"] == "team-slack"


def test_the_loader_names_a_secret_wrapper_instead_of_a_missing_route(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_FILE
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump({"kind": "Secret", "stringData": {"alertmanager.yaml": "route: {}"}}))
    with pytest.raises(Exception, match="Kubernetes Secret wrapping the configuration"):
        load_alertmanager(path, tmp_path)


def test_a_configuration_alertmanager_refuses_is_not_written(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / CONFIG_FILE).read_text()
    source = tmp_path / "bad.yml"
    source.write_text(yaml.safe_dump({**CONFIG, "route": {**CONFIG["route"], "group_wait": "soon"}}))
    status, output = _import(project, capsys, source, "--force")
    assert status == 1
    assert 'Alertmanager refuses it (amtool check-config): not a valid duration string: "soon"' in output
    assert (project / CONFIG_FILE).read_text() == before


def test_an_existing_file_needs_force_and_a_target_outside_the_repository_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text(yaml.safe_dump(CONFIG))
    before = (project / CONFIG_FILE).read_text()
    status, output = _import(project, capsys, source)
    assert status == 1 and "exists: pass --force" in output
    assert (project / CONFIG_FILE).read_text() == before
    status, output = _import(project, capsys, source, "--to", str(tmp_path / "elsewhere.yaml"))
    assert status == 1 and not (tmp_path / "elsewhere.yaml").exists()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_published_configuration_comes_in_without_an_inline_secret(
    path: Path, shared_dir: Path
) -> None:
    imported = import_alertmanager(path.read_text(), str(path))
    assert list(secret_strings(imported.config)) == []
    for secret in imported.secrets:
        assert secret.paths and secret.config_key.startswith("alertmanager")


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_published_configuration_imports_and_staging_plans_with_the_printed_bindings(
    project: Path, path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    status, output = _import(project, capsys, path, "--force")
    assert status == 0, output
    bindings = _printed_bindings(output) if "    secrets:" in output else {}
    stack_file = project / "Pulumi.staging.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    stack["config"]["observability:alertmanager"] = {"secrets": bindings}  # the section, replaced as printed
    stack_file.write_text(yaml.safe_dump(stack, sort_keys=False))
    settings = load_settings(read_stack_file(project, "staging").raw)
    alertmanager = load_alertmanager(project / CONFIG_FILE, project)
    secrets = {f"observability:{k}": v for k, v in stand_in_secrets(settings, alertmanager, "0" * 32).items()}
    plan = plan_stack(project, "staging", secrets=secrets)
    assert plan.by_type("kubernetes:core/v1:Secret")
