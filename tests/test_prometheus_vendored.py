"""Vendored rule files: upstream's shape kept, the stack supplying what they lack, overrides by number
or expression, `obsctl import prometheus` / `promtool-test`, and the plan proving every alert is heard."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from infra.catalog.prometheus import apply_overrides, load_rule_set
from infra.catalog.prometheus.threshold import replace_number
from infra.catalog.prometheus.vendored import adopt_vendored, missing_settings
from infra.catalog.upstream_tools import require_tool
from infra.errors import DefinitionError
from infra.settings.prometheus import PrometheusRulesSettings, VendoredRulesSettings
from tests.conftest import obsctl_in, shared_files
from tests.conftest import project_copy as full_project_copy

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus" / "prometheus-rules"

UPSTREAM = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: node-exporter-rules}
spec:
  groups:
    - name: node-exporter
      rules:
        - alert: NodeFilesystemSpaceFillingUp
          expr: |
            (
              node_filesystem_avail_bytes{fstype!=""} / node_filesystem_size_bytes{fstype!=""} * 100 < 15
            and
              predict_linear(node_filesystem_avail_bytes{fstype!=""}[6h], 4*60*60) < 0
            )
          for: 1h
          labels: {severity: page}
          annotations: {summary: Filesystem is predicted to run out of space.}
        - alert: NodeClockNotSynchronising
          expr: min_over_time(node_timex_sync_status[5m]) == 0
          labels: {severity: warning, team: infra}
          annotations:
            summary: Clock not synchronising.
            runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodeclocknotsynchronising
"""


def project_copy(root: Path) -> Path:
    """A copy of the project without its vendored rules and their tests: these tests import their own
    and count what the stacks lack, whatever the repository already vendors."""
    import shutil

    project = full_project_copy(root)
    for folder in ("alerts/prometheus/vendor", "tests/promtool/vendor"):
        shutil.rmtree(project / folder, ignore_errors=True)
    return project


def vendored_tree(root: Path, text: str = UPSTREAM, name: str = "node-exporter.yaml") -> Path:
    path = root / "alerts" / "prometheus" / "vendor" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def defaults(**values: object) -> VendoredRulesSettings:
    return VendoredRulesSettings.model_validate(values)


def rules_of(rule_set_files: tuple[object, ...]) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for rendered in rule_set_files:
        for group in rendered.groups:  # type: ignore[attr-defined]
            for rule in group["rules"]:
                found[rule.get("alert") or rule["record"]] = rule
    return found


# --- Replacing a named number ---------------------------------------------------------------------


def test_a_named_number_is_replaced_and_nothing_else() -> None:
    expr = 'rate(http_2xx{code="15"}[15m]) * 100 < 15 # alert under 15'
    assert replace_number(expr, 15, 10) == 'rate(http_2xx{code="15"}[15m]) * 100 < 10 # alert under 15'


@pytest.mark.parametrize(
    ("old", "message"),
    [(7, "has no number 7 to replace (its numbers: 100, 15, 4, 60, 0)"), (60, "60 2 times")],
)
def test_a_missing_or_repeated_number_is_refused(old: float, message: str) -> None:
    expr = "x * 100 < 15 and predict_linear(x[6h], 4*60*60) < 0"
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        replace_number(expr, old, 1)


# --- The stack completes vendored alerts ----------------------------------------------------------


def test_vendored_file_keeps_its_shape_and_skips_house_conventions(tmp_path: Path) -> None:
    rule_set = load_rule_set(vendored_tree(tmp_path))
    (rule_file,) = rule_set.files
    assert rule_file.vendored and rule_file.name == "vendor-node-exporter"


def test_stack_defaults_fill_labels_map_severities_and_link_runbooks(tmp_path: Path) -> None:
    rule_set = load_rule_set(vendored_tree(tmp_path))
    adopted = adopt_vendored(
        rule_set,
        defaults(
            labels={"team": "platform"},
            severities={"page": "critical"},
            runbookUrlTemplate="https://runbooks.example.com/{file}/{alertname}",
        ),
    )
    rules = rules_of(apply_overrides(adopted, {}))
    filling = rules["NodeFilesystemSpaceFillingUp"]
    assert filling["labels"] == {"severity": "critical", "team": "platform"}
    assert filling["annotations"]["runbook_url"] == (  # type: ignore[index]
        "https://runbooks.example.com/node-exporter/NodeFilesystemSpaceFillingUp"
    )
    clock = rules["NodeClockNotSynchronising"]
    assert clock["labels"] == {"severity": "warning", "team": "infra"}  # its own team is kept
    assert "prometheus-operator.dev" in clock["annotations"]["runbook_url"]  # type: ignore[index]


def test_what_the_stack_must_still_supply_is_named_once_per_setting(tmp_path: Path) -> None:
    rule_set = load_rule_set(vendored_tree(tmp_path))
    with pytest.raises(DefinitionError) as caught:
        # A misspelt mapping (pager for page) leaves the alert unmapped, which is what is reported.
        adopt_vendored(rule_set, defaults(severities={"pager": "critical"}), "Pulumi.staging.yaml")
    messages = {p.location: p.message for p in caught.value.problems}
    prefix = "observability:prometheus.vendored"
    assert set(messages) == {
        f"{prefix}.labels.team",
        f"{prefix}.severities.page",
        f"{prefix}.runbookUrlTemplate",
    }
    assert (
        "1 vendored alert (alerts/prometheus/vendor/node-exporter.yaml: NodeFilesystemSpaceFillingUp)"
        in (messages[f"{prefix}.labels.team"])
    )
    assert "does not route" in messages[f"{prefix}.severities.page"]
    assert missing_settings(rule_set, defaults()) == {
        "labels.team": 1,
        "runbookUrlTemplate": 1,
        "severities.page": 1,
    }


def test_runbook_template_must_name_the_alert() -> None:
    with pytest.raises(ValueError, match="runbookUrlTemplate"):
        defaults(runbookUrlTemplate="https://runbooks.example.com/all")


# --- Overrides on expressions without a final `> N` -----------------------------------------------


def adopted(root: Path) -> object:
    return adopt_vendored(
        load_rule_set(vendored_tree(root)),
        defaults(
            labels={"team": "platform"},
            severities={"page": "critical"},
            runbookUrlTemplate="https://r/{alertname}",
        ),
    )


def overrides(rules: dict[str, dict[str, object]]) -> dict[str, object]:
    return dict(PrometheusRulesSettings.model_validate({"rules": rules}).rules)


def test_threshold_on_an_upstream_expression_says_how_else_to_override(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        apply_overrides(adopted(tmp_path), overrides({"NodeFilesystemSpaceFillingUp": {"threshold": 10}}))  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert problem.location == "observability:prometheus.rules.NodeFilesystemSpaceFillingUp.threshold"
    assert 'numbers: {"<old>": <new>}; its numbers: 100, 15, 4, 60, 0' in problem.message


def test_numbers_and_expr_override_an_upstream_alert(tmp_path: Path) -> None:
    rendered = apply_overrides(
        adopted(tmp_path),  # type: ignore[arg-type]
        overrides(
            {
                "NodeFilesystemSpaceFillingUp": {"numbers": {"15": 10, "4": 12}, "for": "30m"},
                "NodeClockNotSynchronising": {"expr": "min_over_time(node_timex_sync_status[10m]) == 0"},
            }
        ),  # type: ignore[arg-type]
    )
    rules = rules_of(rendered)
    filling = str(rules["NodeFilesystemSpaceFillingUp"]["expr"])
    assert (
        "* 100 < 10" in filling
        and "12*60*60" in filling
        and rules["NodeFilesystemSpaceFillingUp"]["for"] == "30m"
    )
    assert rules["NodeClockNotSynchronising"]["expr"] == "min_over_time(node_timex_sync_status[10m]) == 0"


@pytest.mark.parametrize(
    ("override", "location", "message"),
    [
        ({"numbers": {"60": 1}}, "numbers.60", "is ambiguous"),
        ({"numbers": {"7": 1}}, "numbers.7", "has no number 7"),
        ({"expr": "min_over_time(node_timex_sync_status[5m] == 0"}, "expr", "is not valid PromQL"),
    ],
)
def test_an_override_that_cannot_apply_is_refused(
    tmp_path: Path, override: dict[str, object], location: str, message: str
) -> None:
    name = "NodeClockNotSynchronising" if "expr" in override else "NodeFilesystemSpaceFillingUp"
    with pytest.raises(DefinitionError) as caught:
        apply_overrides(adopted(tmp_path), overrides({name: override}))  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert problem.location == f"observability:prometheus.rules.{name}.{location}"
    assert message in problem.message


def test_expr_cannot_be_combined_with_threshold_or_numbers() -> None:
    with pytest.raises(ValueError, match="give it alone"):
        PrometheusRulesSettings.model_validate({"rules": {"X": {"expr": "up == 0", "numbers": {"0": 1}}}})


# --- The rule set ---------------------------------------------------------------------------------


def test_vendored_files_may_repeat_each_other_but_not_the_repository_own(tmp_path: Path) -> None:
    vendored_tree(tmp_path)
    vendored_tree(tmp_path, name="copy.yaml")
    assert len(load_rule_set(tmp_path).files) == 2
    own = tmp_path / "alerts" / "prometheus" / "clock.yaml"
    own.write_text(
        textwrap.dedent(
            """\
            groups:
              - name: clock
                rules:
                  - alert: NodeClockNotSynchronising
                    expr: min_over_time(node_timex_sync_status[5m]) == 0
                    labels: {severity: warning, team: platform, service: node}
                    annotations: {summary: s, description: "{{ $value }}", runbook_url: https://r/x}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        DefinitionError, match="NodeClockNotSynchronising with severity 'warning' is already defined"
    ):
        load_rule_set(tmp_path)


def test_a_file_name_kubernetes_refuses_is_named_with_the_fix(tmp_path: Path) -> None:
    vendored_tree(tmp_path, name="Node_Exporter.yaml")
    with pytest.raises(DefinitionError) as caught:
        load_rule_set(tmp_path)
    (problem,) = caught.value.problems
    assert problem.source == "alerts/prometheus/vendor/Node_Exporter.yaml"
    assert "rename it to alerts/prometheus/vendor/node-exporter.yaml" in problem.message


# --- obsctl import prometheus / promtool-test, then plan -------------------------------------------


def test_import_writes_upstream_text_and_says_what_stacks_lack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_copy(tmp_path / "project")
    source = tmp_path / "node_exporter.rules"
    # A severity no stack maps, whatever the repository already vendors.
    upstream = UPSTREAM.replace("{severity: page}", "{severity: page-obsctl-test}")
    source.write_text(upstream, encoding="utf-8")
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(source))
    assert status == 0, out
    written = project / "alerts" / "prometheus" / "vendor" / "node-exporter.yaml"
    assert written.read_text(encoding="utf-8").endswith(upstream)
    assert "wrote alerts/prometheus/vendor/node-exporter.yaml" in out
    assert "observability:prometheus.vendored needs severities.page-obsctl-test (1 alert)" in out
    assert "page-obsctl-test: critical" in out
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(source))
    assert status != 0 and "pass --force" in out


def test_import_refuses_a_test_file_and_what_promtool_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool")  # skipped, with the tool named, where `make tools` could not build it
    project = project_copy(tmp_path / "project")
    test_file = tmp_path / "t.yaml"
    test_file.write_text("rule_files: [r.yaml]\ntests: []\n", encoding="utf-8")
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(test_file))
    assert status != 0 and "import it with `obsctl import promtool-test`" in out
    broken = tmp_path / "broken.yaml"
    # Valid PromQL, broken template: only Prometheus itself can say so.
    broken.write_text(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"
        "    annotations: {summary: '{{ $labels.instance '}\n",
        encoding="utf-8",
    )
    status, out = obsctl_in(project, capsys, "import", "prometheus", str(broken))
    assert status != 0 and "Prometheus refuses it (promtool check rules)" in out
    assert not (project / "alerts" / "prometheus" / "vendor").exists()


@pytest.mark.slow
def test_every_corpus_rule_file_imports_and_the_stack_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    from infra.catalog.prometheus import is_test_file
    from infra.catalog.strict_yaml import load_documents
    from obsctl.runner import plan_stack
    from tests.conftest import stand_in_secrets

    project = project_copy(tmp_path / "project")
    files = shared_files(CORPUS)
    rule_files = [p for p in files if not is_test_file(load_documents(p.read_text(encoding="utf-8"), p.name))]
    status, out = obsctl_in(project, capsys, "import", "prometheus", *map(str, rule_files))
    assert status == 0, out
    # What import printed as still to decide, added as a user would.
    stack_file = project / "Pulumi.staging.yaml"
    text = stack_file.read_text(encoding="utf-8")
    if "for example (review each value):\n" in out:  # nothing, when the stack already maps them all
        suggested = out.split("for example (review each value):\n", 1)[1].split("\n")
        severities = next(line.strip() for line in suggested if line.strip().startswith("severities:"))
        labels = next(line.strip() for line in suggested if line.strip().startswith("labels:"))
        text = text.replace("      labels: {team: platform}\n", f"      {labels}\n      {severities}\n")
        stack_file.write_text(text, encoding="utf-8")
    plan = plan_stack(project, "staging", secrets=stand_in_secrets("staging", root=project))
    rules = [r for r in plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")]
    vendored = [
        r
        for r in rules
        if r.inputs["metadata"]["labels"].get("observability-as-code/rules-origin") == "vendored"
    ]
    assert len(vendored) == len(rule_files)


def test_promtool_test_import_rewrites_rule_files_and_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    require_tool("promtool")
    project = project_copy(tmp_path / "project")
    rules = CORPUS / "govuk__email_alert_api_alerts.yaml"
    tests = CORPUS / "govuk__email_alert_api_alerts_tests.yaml"
    assert obsctl_in(project, capsys, "import", "prometheus", str(rules))[0] == 0
    status, out = obsctl_in(project, capsys, "import", "promtool-test", str(tests))
    assert status == 0, out
    written = project / "tests" / "promtool" / "vendor" / "govuk-email-alert-api-alerts-tests.yaml"
    assert (
        "rule_files:\n- ../../../alerts/prometheus/vendor/govuk-email-alert-api-alerts.yaml"
        in written.read_text()
    )
    assert "promtool test rules passes" in out


def test_promtool_test_import_names_an_entry_it_cannot_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    project = project_copy(tmp_path / "project")
    status, out = obsctl_in(
        project, capsys, "import", "promtool-test", str(CORPUS / "prometheus__unittest.yml")
    )
    assert status != 0
    assert "rule_files[0]: 'rules.yml' matches no vendored rule file" in out
    assert "--rule-file rules.yml=" in out
