"""Real public files that `obsctl import` once refused although Prometheus or Alertmanager accept them,
or refused with a confusing message. Each input under tests/fixtures/adopt/ names its upstream."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from infra.catalog.alertmanager import load_alertmanager, refusal_reason
from infra.catalog.alertmanager_import import import_alertmanager
from infra.catalog.prometheus import is_test_file, load_rule_file
from infra.catalog.strict_yaml import dump, load_documents
from infra.catalog.upstream_tools import ToolRun, require_tool
from infra.errors import DefinitionError
from tests.conftest import obsctl_in
from tests.test_prometheus_vendored import project_copy

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "adopt"


def _documents(path: Path) -> list[object]:
    return load_documents(path.read_text(encoding="utf-8"), path.name)


# --- rule files: empty (null) keys read as Prometheus' yaml.v3 reads them --------------------------


def test_a_group_whose_rules_are_empty_loads_with_no_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "awesome-alerts-zookeeper-null-rules.yml"
    rule_file = load_rule_file(source, FIXTURES, vendored=True)
    assert [group.name for group in rule_file.groups] == ["CloudflareKafkaZookeeperExporter"]
    assert list(rule_file.rules()) == []
    project = project_copy(tmp_path / "project")
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(source))
    assert status == 0, out
    assert "holds no rules: nothing to import" in out


def test_empty_labels_annotations_and_boolean_values_load_as_prometheus_reads_them(tmp_path: Path) -> None:
    # `promtool check rules` accepts each of these (an empty key is no map, a null value "").
    path = tmp_path / "rules.yml"
    path.write_text(
        textwrap.dedent(
            """\
            groups:
            - name: g
              labels:
              rules:
              - alert: A
                expr: up == 0
                for:
                labels:
                annotations:
              - alert: B
                expr: up == 0
                labels:
                  page: true
                  owner:
              - record: job:up:sum
                expr: sum by (job) (up)
                labels:
            """
        ),
        encoding="utf-8",
    )
    rule_file = load_rule_file(path, tmp_path, vendored=True)
    rules = {rule.name: rule for _, rule in rule_file.rules()}
    assert rules["A"].labels == {} and rules["A"].annotations == {} and rules["A"].for_ is None
    assert rules["B"].labels == {"page": "true", "owner": ""}
    assert rules["job:up:sum"].labels == {}
    path.write_text("groups:\n", encoding="utf-8")
    assert load_rule_file(path, tmp_path, vendored=True).groups == ()


def test_a_prometheus_1_rule_file_is_named_as_such_by_the_path_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "dockprom-legacy-alert.rules"
    project = project_copy(tmp_path / "project")
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(source))
    assert status != 0
    assert f"error: {source}: is in the rule syntax of Prometheus 1.x (ALERT ... IF ...)" in out
    # Not valid YAML at all (a ": " inside an annotation): still named as Prometheus 1.x syntax.
    broken = tmp_path / "alert.rules"
    broken.write_text(source.read_text(encoding="utf-8").replace("non-operational", "down: restart"))
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(broken))
    assert status != 0 and "Prometheus 1.x" in out


# --- a Prometheus server configuration has rule_files too ------------------------------------------


def test_a_prometheus_server_config_is_neither_a_rule_file_nor_a_unit_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "prometheus-config-with-rule-files.yml"
    assert not is_test_file(_documents(source))
    with pytest.raises(DefinitionError) as caught:
        load_rule_file(source, FIXTURES, vendored=True)
    (problem,) = caught.value.problems
    assert "is a Prometheus server configuration (prometheus.yml), not a rule file" in problem.message
    project = project_copy(tmp_path / "project")
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(source))
    assert status != 0 and "Prometheus server configuration" in out and "promtool-test" not in out
    status, out = obsctl_in(project, capsys, "import", "promtool-test", str(source))
    assert status != 0 and "is not a promtool unit-test file" in out


# --- Alertmanager ---------------------------------------------------------------------------------


def test_an_empty_secret_field_is_not_a_literal_secret(tmp_path: Path) -> None:
    # Alertmanager reads smtp_auth_password: '' as no password; the import leaves it, the plan must too.
    source = FIXTURES / "alertmanager-conf-empty-fields.yml"
    imported = import_alertmanager(source.read_text(encoding="utf-8"), source.name)
    assert [secret.placeholder for secret in imported.secrets] == ["global-slack-api-url"]
    assert imported.config["global"]["smtp_auth_password"] == ""
    target = tmp_path / "alerts" / "alertmanager.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(dump(imported.config), encoding="utf-8")
    config = load_alertmanager(target, tmp_path)
    assert config.receiver_names() == ["team-X-mails"]


def test_helm_values_name_where_the_configuration_is() -> None:
    source = FIXTURES / "helm-alertmanager-values.yaml"
    with pytest.raises(DefinitionError) as caught:
        import_alertmanager(source.read_text(encoding="utf-8"), source.name)
    (problem,) = caught.value.problems
    assert problem.location == "route"
    assert "it holds one at config, as a Helm chart's values do" in problem.message


AMTOOL_UNKNOWN_KEY = """\
Checking '/tmp/alertmanager-x/alertmanager.yaml'  FAILED: yaml: unmarshal errors:
  line 16: field teams not found in type opsgenie.plain

amtool: error: failed to validate 1 file(s)
"""


def test_amtool_unmarshal_errors_keep_their_detail_and_point_at_the_key() -> None:
    source = FIXTURES / "alertmanager-conf-opsgenie-old-team.yml"
    data = import_alertmanager(source.read_text(encoding="utf-8"), source.name).config
    run = ToolRun(("amtool", "check-config"), 1, AMTOOL_UNKNOWN_KEY)
    assert refusal_reason(run, data) == (
        "yaml: unmarshal errors: field teams not found in type opsgenie.plain "
        "(at receivers[0].opsgenie_configs[0].teams)"
    )
    # The line number counts lines of amtool's temporary file, not the user's: left out.
    assert "line 16" not in refusal_reason(run)


def test_import_names_the_key_amtool_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("amtool")
    project = project_copy(tmp_path / "project")
    source = FIXTURES / "alertmanager-conf-opsgenie-old-team.yml"
    status, out = obsctl_in(
        project, capsys, "import", "alertmanager", str(source), "--stack", "staging", "--force"
    )
    assert status != 0
    assert "field teams not found in type opsgenie.plain (at receivers[0].opsgenie_configs[0].teams)" in out
