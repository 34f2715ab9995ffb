"""What a monitor query says about itself: its kind, and the comparison at its end.

Datadog's monitor queries end in ``<operator> <number>`` for every type except service checks and
composites, and that number must equal ``options.thresholds.critical``. The prefix of the query
(``avg(last_5m):``, ``logs(...)``, ``"check".over(...)``) tells which monitor types can run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TRAILING_COMPARISON = re.compile(rf"(?P<op><=|>=|==|!=|<|>)\s*(?P<number>{_NUMBER})\s*$")

ABOVE = frozenset({">", ">="})
BELOW = frozenset({"<", "<="})


@dataclass(frozen=True)
class Comparison:
    operator: str
    threshold: float
    start: int
    """Where the number starts in the query, so a new threshold can replace it."""


def trailing_comparison(query: str) -> Comparison | None:
    match = _TRAILING_COMPARISON.search(query)
    if match is None:
        return None
    return Comparison(match["op"], float(match["number"]), match.start("number"))


def replace_threshold(query: str, value: float) -> str:
    """The query with the number after its final comparison set to ``value``."""
    comparison = trailing_comparison(query.rstrip())
    if comparison is None:
        return query
    return query.rstrip()[: comparison.start] + format_number(value)


def canonical_number(value: float) -> float | int:
    """One value for one number: the API answers 80 as 80.0, YAML gives 80, both mean 80."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_number(value: float) -> str:
    """A plain decimal, never exponent notation: ``80``, ``0.05``, ``256000000``."""
    number = canonical_number(value)
    if isinstance(number, int):
        return str(number)
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class QueryKind:
    name: str
    pattern: re.Pattern[str]
    types: frozenset[str]
    example: str


_FORMULA_TYPES = frozenset(
    {
        "query alert",
        "metric alert",
        "log alert",
        "event-v2 alert",
        "rum alert",
        "trace-analytics alert",
        "audit alert",
        "ci-pipelines alert",
        "ci-tests alert",
        "error-tracking alert",
        "database-monitoring alert",
        "network-performance alert",
        "network-path alert",
        "cost alert",
        "data-quality alert",
        "data-jobs alert",
        "llm-observability alert",
    }
)


def _kind(name: str, prefix: str, types: set[str], example: str) -> QueryKind:
    return QueryKind(name, re.compile(prefix), frozenset(types), example)


QUERY_KINDS: tuple[QueryKind, ...] = (
    _kind(
        "metric",
        r"^(?:avg|sum|min|max|change|pct_change|percentile)\s*\(",
        {"metric alert", "query alert"},
        "avg(last_5m):avg:system.cpu.user{*} > 80",
    ),
    _kind(
        "service check",
        r"^(?:\"[^\"]+\"|'[^']+')\s*\.",
        {"service check"},
        '"datadog.agent.up".over("*").by("host").last(2).count_by_status()',
    ),
    _kind(
        "logs", r"^logs\(", {"log alert"}, 'logs("status:error").index("*").rollup("count").last("5m") > 100'
    ),
    _kind(
        "events",
        r"^events\(",
        {"event-v2 alert", "event alert"},
        'events("source:x").rollup("count").last("5m") > 1',
    ),
    _kind("processes", r"^processes\(", {"process alert"}, "processes('nginx').over('*').last('5m') < 1"),
    _kind("trace analytics", r"^trace-analytics\(", {"trace-analytics alert"}, "trace-analytics(...)..."),
    _kind("rum", r"^rum\(", {"rum alert"}, 'rum("@type:error").rollup("count").last("5m") > 10'),
    _kind("audit", r"^audits\(", {"audit alert"}, 'audits("...").rollup("count").last("5m") > 1'),
    _kind("ci pipelines", r"^ci-pipelines\(", {"ci-pipelines alert"}, "ci-pipelines(...)..."),
    _kind("ci tests", r"^ci-tests\(", {"ci-tests alert"}, "ci-tests(...)..."),
    _kind(
        "error tracking", r"^error-tracking(?:-[a-z]+)?\(", {"error-tracking alert"}, "error-tracking(...)..."
    ),
    _kind("database monitoring", r"^database-monitoring\(", {"database-monitoring alert"}, "..."),
    _kind("network performance", r"^network-performance\(", {"network-performance alert"}, "..."),
    _kind("network path", r"^network-path\(", {"network-path alert"}, "..."),
    _kind("slo", r"^(?:error_budget|burn_rate)\(", {"slo alert"}, 'error_budget("slo_id").over("7d") > 50'),
    _kind("composite", r"^[\d\s()&|!]+$", {"composite"}, "12345 && 67890"),
    _kind("formula", r"^formula\(", set(_FORMULA_TYPES), 'formula("query1").last("5m") > 100'),
)

TYPES_WITH_QUERY_RULES: frozenset[str] = frozenset(t for kind in QUERY_KINDS for t in kind.types)
"""Monitor types whose query shape is checked; newer types are left to the Datadog API."""

TYPES_WITHOUT_COMPARISON = frozenset({"service check", "composite"})


def query_kind(query: str) -> QueryKind | None:
    stripped = query.strip()
    return next((kind for kind in QUERY_KINDS if kind.pattern.search(stripped)), None)


def shape_problem(monitor_type: str, query: str) -> str | None:
    """Why ``query`` cannot run as a monitor of ``monitor_type``, or None when it can."""
    if monitor_type not in TYPES_WITH_QUERY_RULES:
        return None
    kind = query_kind(query)
    if kind is None:
        expected = [k for k in QUERY_KINDS if monitor_type in k.types and k.name != "formula"]
        example = f", e.g. {expected[0].example}" if expected else ""
        return f"the query does not have the shape of a {monitor_type!r} query{example}"
    if monitor_type not in kind.types:
        suggestion = " or ".join(repr(t) for t in sorted(kind.types))
        return (
            f"type {monitor_type!r} does not match the query, which is a {kind.name} query (use {suggestion})"
        )
    if monitor_type not in TYPES_WITHOUT_COMPARISON and trailing_comparison(query) is None:
        return "the query must end with a comparison and a number, e.g. `> 80`"
    return None
