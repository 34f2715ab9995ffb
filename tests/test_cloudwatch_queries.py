"""Saved Logs Insights queries (``cloudwatch-queries/``) and the metric filter checks the import relies on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.catalog.cloudwatch import load_catalog
from infra.catalog.cloudwatch.filter_patterns import check_filter_pattern
from infra.catalog.cloudwatch.insights import check_insights_query
from infra.catalog.cloudwatch.queries import QUERIES_DIR, load_queries, render_queries
from infra.catalog.inventory import unread_files
from infra.errors import DefinitionError
from tests.conftest import PROJECT_DIR

GROUPS = ("application", "exceptions", "rejections", "security-audit")
GOOD = """queries:
  - id: recent-errors
    name: Recent errors
    log_groups: ["${logGroupPrefix}/application"]
    query: fields @timestamp, @message | filter level = "error" | sort @timestamp desc | limit 20
"""


def _queries(tmp_path: Path, text: str, name: str = "service.yaml") -> Path:
    folder = tmp_path / QUERIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return tmp_path


def _render(root: Path, **resources: str) -> list[object]:
    return list(
        render_queries(
            load_queries(root),
            environment="prod",
            region="eu-west-1",
            log_group_prefix="/aws/eks/metrics-prod",
            log_groups=GROUPS,
            resources=resources,
            stack_file="Pulumi.prod.yaml",
        )
    )


def _problems(call: object) -> str:
    with pytest.raises(DefinitionError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_a_query_renders_per_stack(tmp_path: Path) -> None:
    (query,) = _render(_queries(tmp_path, GOOD))
    assert query.name == "prod/service/Recent errors"  # type: ignore[attr-defined]
    assert query.log_group_names == ("/aws/eks/metrics-prod/application",)  # type: ignore[attr-defined]
    assert query.stack_log_groups == ("application",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            (
                'query: fields @timestamp, @message | filter level = "error" | sort @timestamp desc | limit 20',
                'query: ""',
            ),
            "recent-errors.query",
            "at least 1 character",
        ),
        (("query: fields", "query: '# nothing'\n    x: fields"), "recent-errors.x", "is not a known key"),
        (
            ("query: fields @timestamp, @message |", "query: feilds @timestamp |"),
            "recent-errors.query",
            "'feilds'",
        ),
        (
            ("${logGroupPrefix}/application", "${stack}/application"),
            "recent-errors.log_groups[0]",
            "${stack} is not a placeholder",
        ),
        (
            ("${logGroupPrefix}/application", "/aws/eks/app logs"),
            "recent-errors.log_groups[0]",
            "is not a log group name",
        ),
        (("name: Recent errors", "name: errors/recent"), "recent-errors.name", "String should match pattern"),
    ],
)
def test_a_query_the_console_would_refuse_names_its_file_and_key(
    tmp_path: Path, change: tuple[str, str], where: str, message: str
) -> None:
    assert change[0] in GOOD
    text = _problems(lambda: load_queries(_queries(tmp_path, GOOD.replace(*change))))
    assert f"{QUERIES_DIR}/service.yaml: {where}: " in text and message in text, text


def test_an_empty_query_is_refused_by_the_query_check_too() -> None:
    with pytest.raises(ValueError, match="is empty"):
        check_insights_query("  # only a comment\n")
    assert check_insights_query("parse @message /(?<a>x|y)/ | filter a like /b|c/ | stats count(*) by a")


def test_a_log_group_the_stack_does_not_create_or_an_unset_resource_fails_the_render(tmp_path: Path) -> None:
    root = _queries(
        tmp_path, GOOD.replace("/application", "/audit").replace('"]', '", "${resources.extraGroup}"]')
    )
    text = _problems(lambda: _render(root))
    assert "service.yaml: recent-errors.log_groups[0]: /aws/eks/metrics-prod/audit is not a log group" in text
    assert "recent-errors.log_groups[1]: refers to ${resources.extraGroup}" in text


def test_ids_are_unique_per_file_and_file_names_are_folders(tmp_path: Path) -> None:
    root = _queries(tmp_path, GOOD + GOOD.removeprefix("queries:\n"), name="Service_Queries.yaml")
    text = _problems(lambda: load_queries(root))
    assert "Service_Queries.yaml: recent-errors: id is used by another query" in text
    assert "the file name is the query set's folder" in text


def test_files_no_loader_reads_under_cloudwatch_queries_are_named(tmp_path: Path) -> None:
    root = _queries(tmp_path, GOOD)
    (root / QUERIES_DIR / "notes.txt").write_text("x")
    (root / QUERIES_DIR / "nested").mkdir()
    (root / QUERIES_DIR / "nested" / "more.yaml").write_text(GOOD)
    problems = {p.source: p.message for p in unread_files(root)}
    assert set(problems) == {f"{QUERIES_DIR}/notes.txt", f"{QUERIES_DIR}/nested/more.yaml"}
    assert "not subfolders" in problems[f"{QUERIES_DIR}/nested/more.yaml"]


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "ERROR",
        '?"Connection terminated" ?timeout -healthcheck',
        '{ ($.level = "ERROR") || ($.level = "error") }',
        "{ $.latency > 100 && $.user.id NOT EXISTS }",
        '[ip, ident, user, timestamp, request = "*HTTP/*", status_code = 5*, bytes, ...]',
        "[..., status = 4* || status = 5*, size]",
        "%ERROR [0-9]+%",
    ],
)
def test_filter_patterns_cloudwatch_accepts_pass(pattern: str) -> None:
    assert check_filter_pattern(pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ('{ $.level = "ERROR" ', "exactly one { ... }"),
        ("{ }", "empty JSON pattern"),
        ('{ $.level "ERROR" }', "has no comparison"),
        ("{ ($.a = 1 }", "unclosed '('"),
        ("[ip,, status]", "an empty field"),
        ("[ip, 3 = x]", "is not a name"),
        ("ERROR } x", "outside a JSON"),
        ("%ERROR", "unclosed %regex%"),
    ],
)
def test_filter_patterns_that_cannot_parse_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("{", r"\{")):
        check_filter_pattern(pattern)


def _catalog(tmp_path: Path, files: dict[str, str]) -> Path:
    shutil.copytree(PROJECT_DIR / "alerts" / "cloudwatch", tmp_path / "alerts" / "cloudwatch")
    for name, text in files.items():
        (tmp_path / "alerts" / "cloudwatch" / name).write_text(text)
    return tmp_path


FILTERS = """namespace: Shop/Logs
filters:
  - id: route-latency
    log_group: application
    pattern: '{ $.latencyMs >= 0 }'
    metric_name: RouteLatency
    value: $.latencyMs
    unit: Milliseconds
    dimensions: {Route: $.route}
    description: Latency per route.
"""


def test_a_second_log_metrics_file_has_its_own_namespace(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog(tmp_path, {"shop.log-metrics.yaml": FILTERS}))
    entry = catalog.metric_filters["route-latency"]
    assert entry.namespace == "Shop/Logs" and entry.source == "alerts/cloudwatch/shop.log-metrics.yaml"
    assert catalog.metric_filters["application-errors"].namespace == "${resources.agentNamespace}/Logs"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"shop.log-metrics.yaml": FILTERS.replace("{ $.latencyMs >= 0 }", "{ $.latencyMs >= 0")},
            "alerts/cloudwatch/shop.log-metrics.yaml: route-latency.pattern: is a JSON pattern",
        ),
        (
            {"shop.log-metrics.yaml": FILTERS.replace("unit: Milliseconds", "default_value: 0")},
            "a filter with dimensions cannot have a default_value",
        ),
        (
            {"shop.log-metrics.yaml": FILTERS.replace("id: route-latency", "id: application-errors")},
            "application-errors: id is used by another filter in alerts/cloudwatch/log-metrics.yaml",
        ),
        (
            {
                "shop.log-metrics.yaml": FILTERS,
                "shop.yaml": """alarms:
  - {id: slow, kind: metric, severity: info, description: d, runbook_url: https://x.example/r,
     log_metric: route-latency, statistic: Average, period: 60, evaluation_periods: 1, threshold: 1,
     comparison_operator: GreaterThanThreshold}
""",
            },
            "slow.log_metric: refers to metric filter 'route-latency', which publishes dimensions (Route)",
        ),
    ],
)
def test_metric_filter_problems_name_the_file_and_key(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    text = _problems(lambda: load_catalog(_catalog(tmp_path, files)))
    assert expected in text, text


def test_the_shipped_schemas_are_current() -> None:
    from infra.catalog.cloudwatch.__main__ import main

    assert main([]) == 0
