"""CloudWatch dashboards: ``cloudwatch-dashboards/<id>.json``, each the body of one dashboard.

A file is the body as the console's "View/edit source" shows it, or what
``aws cloudwatch get-dashboard`` prints (its ``DashboardBody`` string is unwrapped). The file name
is the dashboard's id; each stack deploys it as ``<environment>-<id>``.

Loading needs no stack: strict JSON, the body's JSON Schema (:mod:`.dashboard_schema`, from AWS's
"Dashboard Body Structure and Syntax"), then what a schema cannot say: each metric array's
positional form (namespace, metric name, then dimension name/value pairs, then one object of
rendering properties), statistics (the CloudWatch model's), regions (botocore's endpoint data),
metric ids, and which ``${...}`` placeholders a string may hold.

Rendering is per stack: ``${region}``, ``${environment}``, ``${logGroupPrefix}`` (where the stack's
log groups live, for log widgets) and ``${resources.<key>}`` (the stack's
``observability:cloudwatch.resources``, as alarms use them) are filled; a metric or log widget
without a region shows the stack's; the body is written canonically (sorted keys, compact), so a
plan of unchanged files never shows a diff.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from infra.catalog.cloudwatch.dashboard_schema import BODY_SCHEMA
from infra.catalog.cloudwatch.resolve import StackValues
from infra.catalog.prometheus.loader import relative_source
from infra.catalog.safe_files import read_text, require_inside
from infra.catalog.strict_json import load_json
from infra.errors import DefinitionError, Problem, ProblemCollector

DASHBOARDS_DIR = "cloudwatch-dashboards"
NAME_MAX_LENGTH = 255
"""PutDashboard: a name of 1 to 255 letters, digits, dashes and underscores."""
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_METRIC_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_RESOURCE = re.compile(r"^resources\.[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)?$")
_STACK_VALUES = ("region", "environment", "logGroupPrefix")
_ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:[^:]*:[^:]*:alarm:.+$")
RENDERING_KEYS = frozenset(
    {"id", "label", "region", "accountId", "color", "period", "stat", "visible", "yAxis", "expression"}
)
"""The keys of the object that ends an entry of a metric widget's ``metrics``."""
_REGIONAL_WIDGETS = ("metric", "log")
_REPEAT_REST = "..."
"""The console's shorthand: the previous entry's fields, with the ones given after it replaced."""
_ENVELOPE = ("DashboardBody", "DashboardName", "DashboardArn")


@dataclass(frozen=True)
class CatalogDashboard:
    id: str
    source: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class RenderedDashboard:
    id: str
    source: str
    name: str
    body: str
    """Canonical JSON: what ``aws.cloudwatch.Dashboard``'s ``dashboardBody`` receives."""


def unknown_placeholder_messages(text: str) -> list[str]:
    """Why each ``${...}`` of ``text`` is not one a stack fills (shared with saved Logs queries)."""
    return [
        f"${{{placeholder}}} is not a placeholder a stack fills: use ${{region}}, "
        "${environment}, ${logGroupPrefix} (of the stack's log groups) or "
        "${resources.<key>} (a key of observability:cloudwatch.resources)"
        for placeholder in _PLACEHOLDER.findall(text)
        if placeholder not in _STACK_VALUES and not _RESOURCE.match(placeholder)
    ]


def fill_stack_values(text: str, *, region: str, environment: str, log_group_prefix: str) -> str:
    """``${region}``, ``${environment}`` and ``${logGroupPrefix}`` filled; ``${resources...}`` left."""
    for key, value in (
        ("region", region),
        ("environment", environment),
        ("logGroupPrefix", log_group_prefix),
    ):
        text = text.replace(f"${{{key}}}", value)
    return text


def dashboard_files(root: Path) -> list[Path]:
    return sorted((root / DASHBOARDS_DIR).glob("*.json"))


def load_dashboards(root: Path) -> list[CatalogDashboard]:
    """Every dashboard under ``root/cloudwatch-dashboards``; one DefinitionError lists every problem."""
    problems = ProblemCollector()
    found: list[CatalogDashboard] = []
    for path in dashboard_files(root):
        source = relative_source(path, root)
        try:
            require_inside(path, root, source)
            document = load_json(read_text(path, source), source)
        except DefinitionError as error:
            problems.extend(error)
            continue
        body = _unwrap(document, source, problems)
        if body is None:
            continue
        if not _NAME.match(path.stem):
            problems.add(source, "", "the file name is the dashboard's id: letters, digits, '-' and '_' only")
        file_problems = [*_schema_problems(body, source), *_body_problems(body, source)]
        problems.problems.extend(file_problems)
        if not file_problems:
            found.append(CatalogDashboard(path.stem, source, body))
    problems.raise_if_any()
    return found


def _unwrap(document: Any, source: str, problems: ProblemCollector) -> Mapping[str, Any] | None:
    if isinstance(document, dict) and "DashboardBody" in document:
        unknown = sorted(set(document) - set(_ENVELOPE))
        if unknown:
            problems.add(
                source, ", ".join(unknown), "is not a field of `aws cloudwatch get-dashboard` output"
            )
            return None
        text = document["DashboardBody"]
        if not isinstance(text, str):
            problems.add(source, "DashboardBody", "must be the body as a JSON string")
            return None
        try:
            document = load_json(text, f"{source}: DashboardBody")
        except DefinitionError as error:
            problems.extend(error)
            return None
    if not isinstance(document, dict):
        problems.add(source, "", "must be a CloudWatch dashboard body: an object with a widgets array")
        return None
    return document


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(BODY_SCHEMA)


def _schema_problems(body: Mapping[str, Any], source: str) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(Problem(source, _path(error.absolute_path), error.message))
    return problems


def _path(parts: Sequence[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _body_problems(body: Mapping[str, Any], source: str) -> list[Problem]:
    problems: list[Problem] = []
    for where, text in _strings(body, ""):
        problems += [Problem(source, where, message) for message in unknown_placeholder_messages(text)]
    for index, widget in enumerate(body.get("widgets") or []):
        properties = widget.get("properties") or {}
        where = f"widgets[{index}].properties"
        _check_region(properties.get("region"), f"{where}.region", source, problems)
        if widget.get("type") == "metric":
            _check_stat(properties.get("stat"), f"{where}.stat", source, problems)
            for number, entry in enumerate(properties.get("metrics") or []):
                problems += _metric_entry_problems(entry, number, f"{where}.metrics[{number}]", source)
        elif widget.get("type") == "log" and not str(properties.get("query", "")).lstrip().startswith(
            "SOURCE"
        ):
            problems.append(
                Problem(
                    source, f"{where}.query", "must name its log groups first: SOURCE '<group>' | <query>"
                )
            )
        elif widget.get("type") == "alarm":
            for number, arn in enumerate(properties.get("alarms") or []):
                if not _ALARM_ARN.match(arn) and not _PLACEHOLDER.search(arn):
                    problems.append(Problem(source, f"{where}.alarms[{number}]", "must be an alarm ARN"))
    return problems


def _metric_entry_problems(entry: list[Any], number: int, where: str, source: str) -> list[Problem]:
    problems: list[Problem] = []

    def problem(message: str, key: str = "") -> None:
        problems.append(Problem(source, f"{where}{key}", message))

    options = entry[-1] if entry and isinstance(entry[-1], dict) else {}
    names = entry[:-1] if options else entry
    if any(not isinstance(part, str) for part in names):
        problem(
            "holds namespace, metric name and dimension name/value strings, then one object of properties"
        )
        return problems
    if not names:
        if "expression" not in options:
            problem('an entry without namespace and metric name must be an expression ({"expression": ...})')
    elif "expression" in options:
        problem("is an expression or a metric, not both: move the expression to an entry of its own")
    elif number == 0 and ("." in names or names[0] == _REPEAT_REST):
        problem(f'"." and "{_REPEAT_REST}" repeat the entry before; the first entry has none')
    elif _REPEAT_REST in names[1:]:
        problem(f'"{_REPEAT_REST}" (the previous entry, up to the values given after it) comes first only')
    elif names[0] != _REPEAT_REST and (len(names) < 2 or len(names) % 2):
        problem(
            "is [namespace, metric name, dimension name, value, ...]: dimension names and values come in pairs"
        )
    for key in sorted(set(options) - RENDERING_KEYS):
        problem(
            f"is not a metric property CloudWatch knows (known: {', '.join(sorted(RENDERING_KEYS))})",
            f".{key}",
        )
    if "id" in options and not _METRIC_ID.match(str(options["id"])):
        problem("must start with a lower-case letter, then letters, digits and '_'", ".id")
    period = options.get("period")
    if period is not None and (not isinstance(period, int) or period < 60 or period % 60):
        problem("must be a whole multiple of 60 seconds", ".period")
    _check_stat(options.get("stat"), f"{where}.stat", source, problems)
    _check_region(options.get("region"), f"{where}.region", source, problems)
    return problems


def _check_stat(value: Any, where: str, source: str, problems: list[Problem]) -> None:
    from infra.catalog.cloudwatch.aws_models import check_statistic_or_extended

    if value is None:
        return
    try:
        check_statistic_or_extended(str(value))
    except ValueError as error:
        problems.append(Problem(source, where, str(error)))


def _check_region(value: Any, where: str, source: str, problems: list[Problem]) -> None:
    from infra.catalog.cloudwatch.aws_models import aws_regions

    if value is None or _PLACEHOLDER.search(str(value)):
        return
    if value not in aws_regions():
        problems.append(
            Problem(source, where, f"{value!r} is not an AWS region (or use ${{region}}, the stack's)")
        )


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(item, f"{where}.{key}" if where else key)]
    if isinstance(value, list):
        return [s for index, item in enumerate(value) for s in _strings(item, f"{where}[{index}]")]
    return []


def _map_strings(value: Any, change: Callable[[str, str], str], where: str = "") -> Any:
    if isinstance(value, str):
        return change(value, where)
    if isinstance(value, dict):
        return {k: _map_strings(v, change, f"{where}.{k}" if where else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, change, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def render_dashboards(
    dashboards: Sequence[CatalogDashboard],
    *,
    environment: str,
    region: str,
    log_group_prefix: str,
    resources: Mapping[str, str],
    stack_file: str,
) -> list[RenderedDashboard]:
    """Each dashboard as one stack deploys it; unresolved references are one DefinitionError."""
    problems = ProblemCollector()
    values = StackValues(resources, stack_file, problems)
    rendered: list[RenderedDashboard] = []
    for dashboard in dashboards:

        def fill(text: str, where: str, source: str = dashboard.source) -> str:
            text = fill_stack_values(
                text, region=region, environment=environment, log_group_prefix=log_group_prefix
            )
            return values.resolve(text, source, where)

        body = _map_strings(dict(dashboard.body), fill)
        for widget in body.get("widgets") or []:
            if widget.get("type") in _REGIONAL_WIDGETS:
                widget["properties"].setdefault("region", region)
        name = f"{environment}-{dashboard.id}"
        if len(name) > NAME_MAX_LENGTH:
            problems.add(
                dashboard.source, "", f"the dashboard name {name!r} is longer than {NAME_MAX_LENGTH}"
            )
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        rendered.append(RenderedDashboard(dashboard.id, dashboard.source, name, text))
    problems.problems = list(dict.fromkeys(problems.problems))
    problems.raise_if_any()
    return rendered
