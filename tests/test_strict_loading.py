"""Nothing silent: every definition file is read or refused, every stack-file key is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.catalog.cloudwatch import load_catalog
from infra.catalog.datadog import load_catalog as load_datadog_catalog
from infra.catalog.inventory import unread_files
from infra.config import RawStackConfig, load_settings
from infra.errors import DefinitionError
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, copy_definitions, run_obsctl


def _raw(values: dict[str, str]) -> RawStackConfig:
    return RawStackConfig(stack="bad", values=values, secret_keys=frozenset())


def _problems(values: dict[str, str]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_settings(_raw(values))
    return [str(p) for p in caught.value.problems]


# -- the stack file, read whole ---------------------------------------------------------------------


def test_every_shipped_stack_file_passes_the_whole_file_check() -> None:
    for path in sorted(PROJECT_DIR.glob("Pulumi.*.yaml")):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        load_settings(read_stack_file(PROJECT_DIR, stack).raw)


def test_a_key_defined_twice_in_a_stack_file_names_both_lines(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dup.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  observability:cloudwatch:\n    alarms: {}\n"
        "  observability:logs: {retentionDays: 14}\n  observability:cloudwatch:\n    resources: {}\n"
    )
    with pytest.raises(DefinitionError) as caught:
        read_stack_file(tmp_path, "dup")
    message = str(caught.value)
    assert "Pulumi.dup.yaml: line 6" in message
    assert "'observability:cloudwatch' is defined twice (first on line 3)" in message


def test_aws_region_is_required() -> None:
    problems = _problems({"observability:logs": '{"retentionDays": 14}'})
    assert problems == [
        "Pulumi.bad.yaml: aws:region: is required: the AWS region every resource of the stack lives in, e.g. us-east-1"
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("aws:regoin", "aws:regoin: is not a config key of the AWS provider (did you mean aws:region?)"),
        ("observabilty:logs", "observabilty:logs: is in a namespace this program does not use"),
        ("kubernetes:context", "kubernetes:context: is not read: the Kubernetes provider is configured from"),
        ("datadog:apiKey", "datadog:apiKey: is not read: the Datadog provider is configured from"),
        ("grafana:url", "grafana:url: is not read: the Grafana provider is configured from"),
    ],
)
def test_keys_outside_the_observability_namespace_are_checked(key: str, expected: str) -> None:
    problems = _problems({"aws:region": "us-east-1", key: "x"})
    assert [p for p in problems if expected in p], problems


def test_a_misspelled_namespace_suggests_the_right_key() -> None:
    problems = _problems({"aws:region": "us-east-1", "observabilty:logs": "{}"})
    assert problems[0].endswith("(did you mean observability:logs?)")


def test_every_key_the_aws_provider_declares_is_accepted() -> None:
    settings = load_settings(
        _raw(
            {
                "aws:region": "eu-west-1",
                "aws:profile": "ops",
                "aws:defaultTags": "{}",
                "datadog:validate": "false",
            }
        )
    )
    assert settings.region == "eu-west-1"


# -- every file under dashboards/ and alerts/ ----------------------------------------------------


def test_every_shipped_definition_file_is_read() -> None:
    assert unread_files(PROJECT_DIR) == []


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    copy_definitions(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("alerts/prometheus/legacy.rules", "rule files end in .yaml or .yml"),
        ("alerts/prometheus/extra/more.yaml", "not other subfolders"),
        ("alerts/prometheus/vendor/nested/more.yaml", "not other subfolders"),
        ("alerts/prometheus/vendor/upstream.rules", "`obsctl import prometheus`"),
        ("alerts/cloudwatch/alarms.txt", "CloudWatch alarm and log-metric files are YAML"),
        ("alerts/datadog/monitor.toml", "Datadog monitors and pipelines are YAML or JSON"),
        ("alerts/datadog/pipelines/nested/p.yaml", "not subfolders"),
        ("alerts/rules.yaml", "alerts/ holds alertmanager.yaml and the folders"),
        ("alerts/sumo/monitor.json", "alerts/sumo/ is not a definition folder"),
        ("dashboards/platform/board.yaml", "is not a dashboard"),
        ("metrics/gateway.json", "metrics/ holds the application metrics catalog as .yaml files"),
        ("metrics/more/gateway.yaml", "metrics/ reads its own *.yaml files and those of exporters/ only"),
    ],
)
def test_a_file_no_loader_reads_is_refused_with_the_reason(definitions: Path, path: str, reason: str) -> None:
    target = definitions / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("groups: []\n")
    problems = [str(p) for p in unread_files(definitions)]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: ") and reason in problems[0], problems


def test_readmes_and_dotfiles_are_not_definitions(definitions: Path) -> None:
    for path in ("alerts/cloudwatch/.gitkeep", "dashboards/platform/README.md", "alerts/README.md"):
        (definitions / path).write_text("")
    assert unread_files(definitions) == []


def test_the_plan_refuses_an_unread_file_and_registers_nothing(definitions: Path) -> None:
    (definitions / "alerts/prometheus/legacy.rules").write_text("groups: []\n")
    result = run_obsctl("plan", "staging", "--definitions", str(definitions))
    assert result.returncode == 1
    assert "error: alerts/prometheus/legacy.rules: is not read" in result.stderr
    assert "Traceback" not in result.stderr and "Plan for stack" not in result.stdout


def test_a_yml_alarm_file_is_loaded_like_a_yaml_one(definitions: Path) -> None:
    source = definitions / "alerts/cloudwatch/cache.yaml"
    before = set(load_catalog(definitions).alarms)
    source.rename(source.with_suffix(".yml"))
    assert set(load_catalog(definitions).alarms) == before


def test_a_key_defined_twice_in_a_datadog_catalog_names_both_lines(definitions: Path) -> None:
    (definitions / "alerts/datadog/twice.yaml").write_text(
        "disk-full:\n  type: metric alert\n  query: a\ndisk-full:\n  type: query alert\n  query: b\n"
    )
    with pytest.raises(DefinitionError) as caught:
        load_datadog_catalog(definitions)
    assert (
        "alerts/datadog/twice.yaml: line 4, column 1: is not valid YAML: "
        "key 'disk-full' is defined twice (first on line 1)"
    ) in str(caught.value)
