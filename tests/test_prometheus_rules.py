"""Prometheus rules: the shipped files, their promtool tests, the corpus, and per-stack overrides."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
import yaml

from infra.catalog.prometheus import (
    RenderedRuleFile,
    RuleSet,
    apply_overrides,
    coverage_problems,
    find_threshold,
    is_test_file,
    load_rule_file,
    load_rule_set,
    replace_threshold,
    write_rule_files,
)
from infra.catalog.prometheus.model import HEARTBEAT
from infra.catalog.prometheus.promtool import check_rendered, check_rules, run_rule_tests
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError
from infra.settings.prometheus import SCHEMAS, PrometheusRulesSettings, RuleOverride, schema_text
from tests.conftest import shared_files

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
CORPUS = SHARED / "corpus" / "prometheus-rules"
RULE_FILES = sorted((REPO / "alerts" / "prometheus").glob("**/*.y*ml"))
"""The repository's own rule files and the vendored ones (``vendor/``)."""
OWN_RULE_FILES = [p for p in RULE_FILES if p.parent.name != "vendor"]
PROMTOOL_TESTS = sorted((REPO / "tests" / "promtool").glob("**/*.y*ml"))


def _is_promtool_test(path: Path) -> bool:
    return is_test_file(load_documents(path.read_text(encoding="utf-8"), path.name))


CORPUS_FILES = [p for p in shared_files(CORPUS) if p.suffix in (".yml", ".yaml")]
CORPUS_RULE_FILES = [p for p in CORPUS_FILES if not _is_promtool_test(p)]
CORPUS_TEST_FILES = [p for p in CORPUS_FILES if _is_promtool_test(p)]


@pytest.fixture(scope="module")
def rule_set() -> RuleSet:
    return load_rule_set(REPO)


def overrides(rules: dict[str, dict[str, object]]) -> dict[str, RuleOverride]:
    return PrometheusRulesSettings.model_validate({"rules": rules}).rules


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD_RULE = """\
      - alert: QueueBacklog
        expr: sum(queue_depth) > 100
        for: 5m
        labels: {severity: warning, team: platform, service: queue}
        annotations:
          summary: The queue is backing up.
          description: "{{ $value }} items wait."
          runbook_url: https://runbooks.example.com/alerts/QueueBacklog
"""


def rule_file(rules: str = GOOD_RULE) -> str:
    return "groups:\n  - name: queue\n    rules:\n" + rules


# --- The shipped rule files -------------------------------------------------------------------------


def test_the_design_notes_rule_sets_are_shipped(rule_set: RuleSet) -> None:
    by_file = {f.name: {rule.name for _, rule in f.alerts()} for f in rule_set.files}
    assert by_file["external-metrics"] == {
        "APIHighErrorRate",
        "APIHighLatency",
        "DatabaseConnectionFailure",
        "DatabaseHighConnections",
        "HighMemoryUsage",
        "HighCPUUsage",
        "WebSocketConnectionDrop",
        "LowUserActivity",
        "ProductivityScoreAnomaly",
    }
    # A subset: a team adds its own files (and vendors upstream ones) without editing this test.
    assert set(by_file) >= {
        "gateway",
        "security",
        "infrastructure",
        "business",
        "external-metrics",
        "heartbeat",
    }
    assert len(by_file["gateway"]) == 5
    assert len(by_file["security"]) == 3
    assert len(by_file["infrastructure"]) == 6
    assert len(by_file["business"]) == 3


@pytest.mark.parametrize(
    ("paths", "schema"),
    [(OWN_RULE_FILES, "prometheus.rules.json"), (PROMTOOL_TESTS, "prometheus.rules.test.json")],
    ids=["rule-files", "promtool-tests"],
)
def test_files_match_the_schemastore_schema_editors_use(
    paths: list[Path], schema: str, shared_dir: Path
) -> None:
    validator = jsonschema.Draft7Validator(as_promtool_reads(schema))
    for path in paths:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
        assert errors == [], path.name
    assert list(validator.iter_errors({"groups": [{"name": "g", "rules": [{"alert": "X", "fore": "5m"}]}]}))


def as_promtool_reads(schema: str) -> dict[str, Any]:
    """SchemaStore's schema, minus what promtool does not require. promtool defaults a test group's
    ``interval`` (1m) and a case's ``eval_time`` (0), runs a group without ``input_series``, reads
    ``0`` as a duration and a lone number as a series' values, and compares an expected sample
    without labels, or a native histogram without a plain value. Upstream test files (kept as
    upstream wrote them under tests/promtool/vendor/) do all of this."""
    document = json.loads((SHARED / "schemas" / "jsonschema" / schema).read_text(encoding="utf-8"))
    definitions = document.get("definitions", {})
    optional = {
        "test_group": {"interval", "input_series"},
        "alert_test_case": {"eval_time"},
        "promql_test_case": {"eval_time"},
        "sample": {"labels", "value"},
        "alert": {"exp_labels"},
    }
    for name, keys in optional.items():
        definition = definitions.get(name, {})
        if "required" in definition:
            definition["required"] = [key for key in definition["required"] if key not in keys]
    if "duration" in definitions:
        definitions["duration"] = {"anyOf": [definitions["duration"], {"const": 0}]}
    values = definitions.get("series", {}).get("properties", {}).get("values")
    if values is not None:
        values["type"] = ["string", "number"]
    return cast(dict[str, Any], document)


def test_promtool_test_schema_accepts_what_promtool_accepts(shared_dir: Path) -> None:
    validator = jsonschema.Draft7Validator(as_promtool_reads("prometheus.rules.test.json"))
    defaults = {"rule_files": ["r.yaml"], "tests": [{"alert_rule_test": [{"alertname": "X"}]}]}
    assert list(validator.iter_errors(defaults)) == []
    upstream_style = {
        "rule_files": ["r.yaml"],
        "tests": [
            {
                "input_series": [{"series": "up", "values": 1}],
                "promql_expr_test": [{"expr": "up", "eval_time": 0, "exp_samples": [{"value": 1}]}],
                "alert_rule_test": [
                    {"alertname": "X", "eval_time": 0, "exp_alerts": [{"exp_annotations": {}}]}
                ],
            }
        ],
    }
    assert list(validator.iter_errors(upstream_style)) == []
    assert list(validator.iter_errors({"rule_files": ["r.yaml"], "tests": [{"input_series": [{}]}]}))


def test_every_alert_threshold_is_overridable(rule_set: RuleSet) -> None:
    for rule_file_ in (f for f in rule_set.files if not f.vendored):  # vendored: numbers or expr
        for location, rule in rule_file_.alerts():
            if rule.labels.get("severity") != HEARTBEAT:  # always fires: no threshold to override
                assert find_threshold(rule.expr) is not None, f"{rule_file_.source} {location}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_promtool_check_rules_accepts_shipped_file(path: Path) -> None:
    vendored = path.parent.name == "vendor"
    # The repository's own files as committed; a vendored one (maybe a PrometheusRule) as deployed.
    if vendored:
        run = check_rendered([RenderedRuleFile.from_rule_file(load_rule_file(path, REPO, vendored=True))])
    else:
        run = check_rules([path])
    assert run.ok, str(run)


@pytest.mark.parametrize("path", PROMTOOL_TESTS, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(path: Path) -> None:
    run = run_rule_tests([path])
    assert run.ok, str(run)


def test_every_rule_file_has_its_promtool_test_file() -> None:
    # Vendored files may come with upstream's tests (tests/promtool/vendor/), or none.
    assert [p.name for p in PROMTOOL_TESTS if p.parent.name != "vendor"] == [p.name for p in OWN_RULE_FILES]


def test_every_alert_has_a_firing_and_a_quiet_test_case(rule_set: RuleSet) -> None:
    assert coverage_problems(rule_set, PROMTOOL_TESTS, REPO) == []


# --- The corpus: every shape of rule file loads, and promtool accepts what the loader produces -------


def test_corpus_holds_every_shape_the_loader_accepts(shared_dir: Path) -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS_RULE_FILES}
    assert any("kind: PrometheusRule" in text for text in texts.values())
    assert any(text.lstrip().startswith("---") or "\n---" in text for text in texts.values())
    assert CORPUS_TEST_FILES, "the corpus has promtool test files the loader must tell apart"


@pytest.mark.parametrize("path", CORPUS_RULE_FILES, ids=lambda p: p.name)
def test_corpus_rule_file_loads_and_passes_promtool(path: Path, tmp_path: Path) -> None:
    loaded = load_rule_file(path, REPO, strict=False)
    documents = [d for d in load_documents(path.read_text(encoding="utf-8"), path.name) if d]
    expected_groups = sum(len(d.get("groups") or d.get("spec", {}).get("groups") or []) for d in documents)
    assert len(loaded.groups) == expected_groups
    written = write_rule_files([RenderedRuleFile.from_rule_file(loaded)], tmp_path)
    run = check_rules(written)
    assert run.ok, str(run)


def test_every_shape_in_one_file_with_locations_in_errors(tmp_path: Path) -> None:
    manifest = """\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: queue-rules}
        spec:
          groups:
            - name: manifest
              rules:
                - {alert: Broken, expr: 'sum(x'}
        """
    text = "---\n" + rule_file() + "---\n" + textwrap.dedent(manifest)
    text += "---\nkind: List\nitems:\n  - " + textwrap.indent(textwrap.dedent(manifest), "    ").lstrip()
    path = write(tmp_path, "rules.yaml", text)
    with pytest.raises(DefinitionError) as raised:
        load_rule_file(path, tmp_path, strict=False)
    assert [p.location for p in raised.value.problems] == [
        "alert Broken (document 2: PrometheusRule queue-rules: spec.groups[0].rules[0].expr)",
        "alert Broken (document 3: items[0].PrometheusRule queue-rules: spec.groups[0].rules[0].expr)",
    ]


@pytest.mark.parametrize("path", CORPUS_TEST_FILES, ids=lambda p: p.name)
def test_corpus_promtool_test_file_is_not_taken_for_rules(path: Path) -> None:
    with pytest.raises(DefinitionError, match="promtool unit-test file"):
        load_rule_file(path, REPO, strict=False)


def test_corpus_conventions_are_reported_only_when_strict(shared_dir: Path) -> None:
    path = CORPUS / "kube-prometheus__alertmanager-prometheusRule.yaml"
    load_rule_file(path, REPO, strict=False)
    with pytest.raises(DefinitionError) as raised:
        load_rule_file(path, REPO, strict=True)
    first = raised.value.problems[0]
    assert (
        first.source == "../shared/corpus/prometheus-rules/kube-prometheus__alertmanager-prometheusRule.yaml"
    )
    assert first.location == (
        "alert AlertmanagerFailedReload (PrometheusRule alertmanager-main-rules: spec.groups[0].rules[0].labels.team)"
    )
    assert first.message == "is required"


# --- Checks that bite --------------------------------------------------------------------------------


def test_broken_expression_names_file_and_alert(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/prometheus/queue.yaml",
        rule_file(GOOD_RULE.replace("sum(queue_depth)", "sum(queue_depth")),
    )
    with pytest.raises(DefinitionError) as raised:
        load_rule_set(tmp_path)
    [problem] = raised.value.problems
    assert problem.source == "alerts/prometheus/queue.yaml"
    assert problem.location == "alert QueueBacklog (groups[0].rules[0].expr)"
    assert "is not valid PromQL" in problem.message


def test_unknown_function_is_a_broken_expression(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/prometheus/queue.yaml",
        rule_file(GOOD_RULE.replace("sum(queue_depth)", "rat(queue_depth[5m])")),
    )
    with pytest.raises(DefinitionError, match=r"alert QueueBacklog .*unknown function with name 'rat'"):
        load_rule_set(tmp_path)


def test_missing_severity_and_runbook_url_are_reported(tmp_path: Path) -> None:
    broken = GOOD_RULE.replace("severity: warning, ", "").replace(
        "          runbook_url: https://runbooks.example.com/alerts/QueueBacklog\n", ""
    )
    write(tmp_path, "alerts/prometheus/queue.yaml", rule_file(broken))
    with pytest.raises(DefinitionError) as raised:
        load_rule_set(tmp_path)
    locations = {p.location for p in raised.value.problems}
    assert locations == {
        "alert QueueBacklog (groups[0].rules[0].labels.severity)",
        "alert QueueBacklog (groups[0].rules[0].annotations.runbook_url)",
    }


def test_unknown_severity_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/prometheus/queue.yaml",
        rule_file(GOOD_RULE.replace("severity: warning", "severity: page")),
    )
    with pytest.raises(DefinitionError, match="'page' is not one of critical, warning, info"):
        load_rule_set(tmp_path)


def test_expression_without_final_comparison_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/prometheus/queue.yaml",
        rule_file(GOOD_RULE.replace("sum(queue_depth) > 100", "absent(up)")),
    )
    with pytest.raises(DefinitionError, match=r"expr\): must end with a comparison against a number"):
        load_rule_set(tmp_path)


def test_unknown_rule_key_and_duplicate_yaml_key_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/typo.yaml", rule_file(GOOD_RULE.replace("for: 5m", "fore: 5m")))
    write(
        tmp_path,
        "alerts/prometheus/twice.yaml",
        rule_file(GOOD_RULE.replace("for: 5m", "for: 5m\n        for: 10m")),
    )
    with pytest.raises(DefinitionError) as raised:
        load_rule_set(tmp_path)
    text = str(raised.value)
    assert (
        "alerts/prometheus/typo.yaml: groups[0].rules[0].fore (alert QueueBacklog): is not a rule-file key"
        in text
    )
    assert "alerts/prometheus/twice.yaml: line 7, column 9: is not valid YAML" in text
    assert "key 'for' is defined twice" in text


def test_duplicate_group_name_in_one_file_is_reported(tmp_path: Path) -> None:
    text = rule_file() + "  - name: queue\n    rules: []\n"
    write(tmp_path, "alerts/prometheus/queue.yaml", text)
    with pytest.raises(DefinitionError, match=r"groups\[1\]\.name: group name 'queue' is used twice"):
        load_rule_set(tmp_path)


def test_bad_duration_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/queue.yaml", rule_file(GOOD_RULE.replace("for: 5m", "for: 5 minutes")))
    with pytest.raises(
        DefinitionError, match=r"groups\[0\]\.rules\[0\]\.for \(alert QueueBacklog\): '5 minutes'"
    ):
        load_rule_set(tmp_path)


def test_same_alert_and_severity_in_two_files_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/a.yaml", rule_file())
    write(tmp_path, "alerts/prometheus/b.yaml", rule_file())
    with pytest.raises(
        DefinitionError, match=r"alerts/prometheus/b.yaml: .*already defined in alerts/prometheus/a.yaml"
    ):
        load_rule_set(tmp_path)


def test_promtool_check_rules_catches_what_python_cannot(tmp_path: Path) -> None:
    # The template is broken, the PromQL is fine: the loader accepts it and promtool must not.
    path = write(
        tmp_path, "alerts/prometheus/queue.yaml", rule_file(GOOD_RULE.replace("{{ $value }}", "{{ $value "))
    )
    load_rule_file(path, tmp_path)
    run = check_rules([path])
    assert not run.ok
    assert "QueueBacklog" in run.output


def test_failing_promtool_case_fails_the_run(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/queue.yaml", rule_file())
    test_file = write(
        tmp_path,
        "tests/promtool/queue.yaml",
        """\
        rule_files: [../../alerts/prometheus/queue.yaml]
        tests:
          - interval: 1m
            input_series:
              - {series: 'queue_depth', values: '500x10'}
            alert_rule_test:
              - {alertname: QueueBacklog, eval_time: 10m, exp_alerts: []}
        """,
    )
    run = run_rule_tests([test_file])
    assert not run.ok
    assert "QueueBacklog" in run.output


def test_alert_without_firing_case_is_detected(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/queue.yaml", rule_file())
    test_file = write(
        tmp_path,
        "tests/promtool/queue.yaml",
        """\
        rule_files: [../../alerts/prometheus/queue.yaml]
        tests:
          - input_series: [{series: 'queue_depth', values: '1x10'}]
            alert_rule_test:
              - {alertname: QueueBacklog, eval_time: 10m, exp_alerts: []}
              - {alertname: QueueBaklog, eval_time: 10m, exp_alerts: []}
        """,
    )
    problems = coverage_problems(load_rule_set(tmp_path), [test_file], tmp_path)
    assert [(p.source, p.location, p.message.split(" (")[0]) for p in problems] == [
        (
            "tests/promtool/queue.yaml",
            "tests[0].alert_rule_test[1].alertname",
            "'QueueBaklog' is not an alert of alerts/prometheus/queue.yaml: the case passes without testing anything",
        ),
        (
            "alerts/prometheus/queue.yaml",
            "alert QueueBacklog (groups[0].rules[0])",
            "has no promtool test case where it fires with severity warning",
        ),
    ]


def test_alert_without_quiet_case_and_untested_file_are_detected(tmp_path: Path) -> None:
    write(tmp_path, "alerts/prometheus/queue.yaml", rule_file())
    problems = coverage_problems(load_rule_set(tmp_path), [], tmp_path)
    assert {p.message.split(" (")[0] for p in problems} == {
        "has no promtool test case where it fires with severity warning",
        "has no promtool test case where it does not fire",
    }


def test_each_tier_needs_its_own_firing_case(rule_set: RuleSet, tmp_path: Path) -> None:
    text = (REPO / "tests/promtool/infrastructure.yaml").read_text(encoding="utf-8")
    # Drop the case where both disk tiers fire: the critical tier is then never seen firing.
    start = text.index("  - name: 5% free raises both tiers")
    end = text.index("  - name: a full tmpfs")
    (tmp_path / "alerts").symlink_to(REPO / "alerts")  # so ../../alerts/... resolves to the real file
    edited = write(tmp_path, "tests/promtool/infrastructure.yaml", text[:start] + text[end:])
    other_tests = [p for p in PROMTOOL_TESTS if p.name != "infrastructure.yaml"]
    problems = coverage_problems(rule_set, [*other_tests, edited], REPO)
    assert [(p.location, p.message.split(" (")[0]) for p in problems] == [
        (
            "alert NodeDiskSpaceLow (groups[0].rules[3])",
            "has no promtool test case where it fires with severity critical",
        )
    ]


# --- Thresholds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "value", "expected"),
    [
        ("x > 5", 7, "x > 7"),
        ("x < -50", -60, "x < -60"),
        ("(sum(x) or vector(0))\n<= 0\n", 0.5, "(sum(x) or vector(0))\n<= 0.5\n"),
        (
            'sum(x{a="#1"}) / sum(y) > 0.05 # five percent\n# end\n',
            0.1,
            'sum(x{a="#1"}) / sum(y) > 0.1 # five percent\n# end\n',
        ),
        (
            "histogram_quantile(0.95, sum by (le) (rate(x[5m]))) > 2",
            1.5,
            "histogram_quantile(0.95, sum by (le) (rate(x[5m]))) > 1.5",
        ),
    ],
)
def test_threshold_replacement_changes_only_the_final_literal(expr: str, value: float, expected: str) -> None:
    assert replace_threshold(expr, value) == expected


@pytest.mark.parametrize(
    "expr",
    ["x > bool 5", "x > (5)", "absent(x)", "5 < x", "x < - 50"],
    ids=["bool", "parenthesised", "no-comparison", "literal-first", "spaced-sign"],
)
def test_threshold_replacement_refuses_what_it_cannot_prove(expr: str) -> None:
    with pytest.raises(ValueError):
        replace_threshold(expr, 1)


# --- Per-stack overrides ------------------------------------------------------------------------------


def rendered_rule(rendered: tuple[RenderedRuleFile, ...], alert: str, severity: str | None = None) -> dict:
    found = [
        rule
        for f in rendered
        for group in f.groups
        for rule in group["rules"]
        if rule.get("alert") == alert and (severity is None or rule["labels"]["severity"] == severity)
    ]
    assert len(found) == 1, found
    return found[0]


def test_overrides_change_threshold_for_severity_and_enabled(rule_set: RuleSet) -> None:
    rendered = apply_overrides(
        rule_set,
        overrides(
            {
                "GatewayHighErrorRate": {"threshold": 0.02, "for": "10m", "severity": "warning"},
                "HighMemoryUsage:critical": {"threshold": 0.95},
                "HighCPUUsage": {"for": "15m"},
                "LowUserActivity": {"enabled": False},
            }
        ),
        "Pulumi.prod.yaml",
    )
    error_rate = rendered_rule(rendered, "GatewayHighErrorRate")
    assert error_rate["expr"].rstrip().endswith("> 0.02")
    assert error_rate["for"] == "10m"
    assert error_rate["labels"]["severity"] == "warning"
    assert rendered_rule(rendered, "HighMemoryUsage", "critical")["expr"].rstrip().endswith("> 0.95")
    assert rendered_rule(rendered, "HighMemoryUsage", "warning")["expr"].rstrip().endswith("> 0.8")
    assert {rendered_rule(rendered, "HighCPUUsage", s)["for"] for s in ("warning", "critical")} == {"15m"}
    assert all(r.get("alert") != "LowUserActivity" for f in rendered for g in f.groups for r in g["rules"])
    # The rule set itself is untouched: another stack renders from the same files.
    untouched = apply_overrides(rule_set, {}, "Pulumi.staging.yaml")
    assert rendered_rule(untouched, "GatewayHighErrorRate")["expr"].rstrip().endswith("> 0.05")
    run = check_rendered(rendered)
    assert run.ok, str(run)


def test_rendering_without_overrides_passes_the_shipped_promtool_tests(
    rule_set: RuleSet, tmp_path: Path
) -> None:
    # The repository's own files: vendored tests run on upstream's text (test_promtool_unit_tests_pass).
    rendered_dir = tmp_path / "alerts" / "prometheus"
    write_rule_files([f for f in apply_overrides(rule_set, {}) if not f.vendored], rendered_dir)
    tests_dir = tmp_path / "tests" / "promtool"
    tests_dir.mkdir(parents=True)
    for test_file in (p for p in PROMTOOL_TESTS if p.parent.name != "vendor"):
        (tests_dir / test_file.name).write_text(test_file.read_text(encoding="utf-8"), encoding="utf-8")
    run = run_rule_tests(sorted(tests_dir.glob("*.yaml")))
    assert run.ok, str(run)


def test_unknown_override_names_stack_file_and_key(rule_set: RuleSet) -> None:
    with pytest.raises(DefinitionError) as raised:
        apply_overrides(
            rule_set, overrides({"GatewayHighErrorRatio": {"threshold": 0.1}}), "Pulumi.prod.yaml"
        )
    [problem] = raised.value.problems
    assert problem.source == "Pulumi.prod.yaml"
    assert problem.location == "observability:prometheus.rules.GatewayHighErrorRatio"
    assert "did you mean GatewayHighErrorRate?" in problem.message


def test_unknown_tier_is_an_unknown_name(rule_set: RuleSet) -> None:
    with pytest.raises(DefinitionError, match=r"rules\.HighMemoryUsage:info: no alert"):
        apply_overrides(rule_set, overrides({"HighMemoryUsage:info": {"threshold": 0.5}}), "Pulumi.prod.yaml")


def test_threshold_of_a_tiered_alert_needs_the_tier(rule_set: RuleSet) -> None:
    with pytest.raises(DefinitionError, match="HighMemoryUsage:critical, HighMemoryUsage:warning"):
        apply_overrides(rule_set, overrides({"HighMemoryUsage": {"threshold": 0.7}}), "Pulumi.prod.yaml")


def test_severity_override_may_not_merge_two_tiers(rule_set: RuleSet) -> None:
    with pytest.raises(DefinitionError, match="leaves two HighMemoryUsage rules with severity 'critical'"):
        apply_overrides(
            rule_set, overrides({"HighMemoryUsage:warning": {"severity": "critical"}}), "Pulumi.prod.yaml"
        )


def test_threshold_override_on_rule_without_threshold_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts/prometheus/queue.yaml",
        rule_file(GOOD_RULE.replace("sum(queue_depth) > 100", "absent(up)")),
    )
    lenient = load_rule_set(tmp_path, strict=False)
    with pytest.raises(DefinitionError) as raised:
        apply_overrides(lenient, overrides({"QueueBacklog": {"threshold": 3}}), "Pulumi.staging.yaml")
    [problem] = raised.value.problems
    assert problem.location == "observability:prometheus.rules.QueueBacklog.threshold"
    assert "has no top-level comparison" in problem.message


def test_disabling_every_rule_of_a_group_drops_the_group(rule_set: RuleSet) -> None:
    business = {"GatewayToolSLAViolation", "GatewayQuotaExceeded", "GatewayBudgetThresholdReached"}
    rendered = apply_overrides(rule_set, overrides({name: {"enabled": False} for name in business}))
    assert next(f for f in rendered if f.name == "business").groups == ()


# --- Settings ---------------------------------------------------------------------------------------


def test_override_that_sets_nothing_or_a_bad_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="sets nothing"):
        overrides({"GatewayHighErrorRate": {}})
    with pytest.raises(ValueError, match="for"):
        overrides({"GatewayHighErrorRate": {"for": "10"}})
    with pytest.raises(ValueError, match="severity"):
        overrides({"GatewayHighErrorRate": {"severity": "page"}})


def test_pulumi_number_forms_are_accepted() -> None:
    assert overrides({"GatewayHighErrorRate": {"threshold": 5}})["GatewayHighErrorRate"].threshold == 5.0


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_settings_schema_is_generated_from_the_model(name: str) -> None:
    shipped = (REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(SCHEMAS[name]), "run: python -m infra.settings.prometheus --write-schema"
