"""Inventories of Go exporters the stack deploys but cannot build here, read from their Go source.

The Go module proxy serves none of these releases here, so they cannot be built and scraped.
Instead, each exporter's metric definitions are read from a local git clone of its upstream
repository at the pinned tag and cited (repo, tag, commit, paths):

* redis-exporter (``oliver006/redis_exporter``, ``exporter/*.go``): the ``metricMapGauges`` /
  ``metricMapCounters`` maps (INFO fields, unlabelled), the description map built in
  ``NewRedisExporter`` (help and labels), the literal names passed to ``registerConstMetric*`` /
  ``registerConstSummary`` / ``registerConstHistogram`` (types), ``createMetricDescription``
  calls (labels), and the exporter's own ``prometheus.New*`` collectors. Metrics named at run time
  (``config_<key>`` from ``--include-config-metrics``, INFO fields outside the maps, Tile38 and
  cluster fields passed through by name) are not listed; the optional ``instance_role`` label
  (``--include-metrics-for-instance-role``) is not either.

When a pinned tag is absent from the clone, a fallback names the nearest tag and says why in
``source.note``; a clone that has the pinned tag regenerates the file at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from infra.catalog.metrics.exporter_inventory import ChartImage, InventoryMetric, MetricType, Source
from obsctl.metrics_inventory.upstream import UpstreamError, _git

REDIS_EXPORTER_REPO = "oliver006/redis_exporter"
REDIS_EXPORTER_PIN = ChartImage(chart="prometheus-redis-exporter")
REDIS_NAMESPACE = "redis"  # main.go: flag --namespace, default "redis" (the chart does not set it)

# Pinned tag -> (nearest tag present, why). Only used when the pinned tag is absent from the clone.
FALLBACK_TAGS: dict[tuple[str, str], tuple[str, str]] = {
    (REDIS_EXPORTER_REPO, "v1.89.0"): (
        "v1.88.0",
        "tag v1.89.0 is not in the available mirror of oliver006/redis_exporter (newest tag v1.88.0); "
        "read at v1.88.0. Its master after v1.88.0 (cd5941f16199f1f1fa9c12b3bf24b509875c955a) "
        "adds or renames no metric in exporter/*.go.",
    ),
}

_STRING = r'(?:`[^`]*`|"(?:[^"\\]|\\.)*")'
_STRING_LIST = r"\[\]string\{([^}]*)\}"


@dataclass
class _Found:
    type: MetricType | None = None
    help: str = ""
    labels: set[str] = field(default_factory=set)


def _unquote(literal: str) -> str:
    return literal[1:-1].replace('\\"', '"')


def _strings(listed: str) -> list[str]:
    return [_unquote(item) for item in re.findall(_STRING, listed)]


def _resolve_tag(clone: Path, repo: str, tag: str) -> tuple[str, str, str | None]:
    """(ref, commit, note): the pinned tag, or its declared fallback when the clone lacks it."""
    try:
        return tag, _git(clone, "rev-parse", f"{tag}^{{commit}}").strip(), None
    except UpstreamError:
        fallback = FALLBACK_TAGS.get((repo, tag))
        if fallback is None:
            raise
        ref, note = fallback
        return ref, _git(clone, "rev-parse", f"{ref}^{{commit}}").strip(), note


def _go_files(clone: Path, commit: str, directory: str) -> list[str]:
    listed = _git(clone, "ls-tree", "--name-only", commit, f"{directory}/").splitlines()
    return sorted(path for path in listed if path.endswith(".go") and not path.endswith("_test.go"))


def _map_block(text: str, name: str) -> str:
    """The body of ``name: map[string]string{ ... }`` (brace-balanced)."""
    start = text.find(f"{name}: map[string]string{{")
    if start < 0:
        raise UpstreamError(f"no {name} map")
    depth, index = 0, text.index("{", start)
    for end in range(index, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[index + 1 : end]
    raise UpstreamError(f"unterminated {name} map")


def _labels_of(text: str, argument: str) -> set[str]:
    """Labels a ``createMetricDescription`` argument names: a literal list or a local variable
    (its ``[]string{...}`` definition plus every ``append(var, "x")`` in the file)."""
    literal = re.fullmatch(_STRING_LIST, argument.strip())
    if literal:
        return set(_strings(literal.group(1)))
    variable = argument.strip()
    if not re.fullmatch(r"\w+", variable) or variable == "nil":
        return set()
    labels: set[str] = set()
    for listed in re.findall(rf"\b{variable}\s*:?=\s*{_STRING_LIST}", text):
        labels.update(_strings(listed))
    for appended in re.findall(rf"\b{variable}\s*=\s*append\(\s*{variable},\s*([^)]*)\)", text):
        labels.update(_strings(appended))
    return labels


def _redis_metrics(sources: dict[str, str]) -> list[InventoryMetric]:
    exporter = sources["exporter/exporter.go"]
    found: dict[str, _Found] = {}

    def entry(name: str) -> _Found:
        return found.setdefault(name, _Found())

    renames = dict(re.findall(r'case "(\w+)":\s*metricName = "(\w+)"', sources["exporter/metrics.go"]))
    for map_name, kind in (("metricMapGauges", "gauge"), ("metricMapCounters", "counter")):
        for _, name in re.findall(r'"(\w+)":\s*"(\w+)"', _map_block(exporter, map_name)):
            entry(renames.get(name, name)).type = kind  # type: ignore[assignment]
    for name in re.findall(r'e\.metricMapGauges\["\w+"\]\s*=\s*"(\w+)"', exporter):
        entry(name).type = "gauge"
    described = re.compile(rf'"(\w+)":\s*\{{txt:\s*({_STRING})(?:,\s*lbls:\s*{_STRING_LIST})?\}}')
    for name, text, labels in described.findall(exporter):
        metric = entry(name)
        metric.help, metric.labels = _unquote(text), set(_strings(labels))
    for text in sources.values():
        for name, argument in re.findall(r'createMetricDescription\(\s*"(\w+)",\s*([^)]*?)\)', text):
            entry(name).labels.update(_labels_of(text, argument))
        for names, argument in re.findall(
            rf"range {_STRING_LIST}\s*\{{\s*e\.createMetricDescription\(\s*\w+,\s*(\w+)\)", text
        ):
            for name in _strings(names):
                entry(name).labels.update(_labels_of(text, argument))
        calls = re.finditer(
            r'registerConst(MetricGauge|Metric|Summary|Histogram)\(\s*\w+,\s*"(\w+)"([^\n]*)', text
        )
        for call in calls:
            how, name, rest = call.groups()
            known = {"Summary": "summary", "Histogram": "histogram", "MetricGauge": "gauge"}.get(how)
            entry(name).type = known or ("counter" if "CounterValue" in rest else "gauge")  # type: ignore[assignment]
        own = re.finditer(
            r"prometheus\.New(Counter|Gauge|Summary|Histogram)(?:Vec)?\(prometheus\.\w+Opts\{"
            r"(.*?)\}(?:,\s*\[\]string\{([^}]*)\})?\)",
            text,
            re.DOTALL,
        )
        for constructor in own:
            kind, options, labels = constructor.groups()
            name_match = re.search(r'Name:\s*"(\w+)"', options)
            help_match = re.search(rf"Help:\s*({_STRING})", options)
            if name_match is None:
                continue
            metric = entry(name_match.group(1))
            metric.type = kind.lower()  # type: ignore[assignment]
            metric.help = _unquote(help_match.group(1)) if help_match else ""
            metric.labels = set(_strings(labels or ""))
    # Described metrics never named literally are emitted through a variable (commandlog, sentinel
    # and replication INFO fields): gauges, as long as every such call site registers a gauge
    # (the INFO maps' own call, ``registerConstMetric(ch, metricName, val, t)``, aside).
    dynamic = [
        call.group(0)
        for text in sources.values()
        for call in re.finditer(r"registerConst(?:Metric|Summary|Histogram)\(\s*\w+,\s*[^\s\",][^\n]*", text)
        if not call.group(0).startswith("registerConstMetric(ch, metricName, val, t)")
        and "prometheus.GaugeValue" not in call.group(0)
    ]
    if dynamic:
        raise UpstreamError(f"metrics of a run-time name and non-gauge type: {dynamic}")
    for metric in found.values():
        metric.type = metric.type or "gauge"
    return _named(REDIS_NAMESPACE, found)


def _named(namespace: str, found: dict[str, _Found]) -> list[InventoryMetric]:
    untyped = sorted(name for name, metric in found.items() if metric.type is None)
    if untyped:
        raise UpstreamError(f"metrics described but never emitted with a type: {untyped}")
    metrics = [
        InventoryMetric(
            name=f"{namespace}_{name}",
            type=metric.type,  # type: ignore[arg-type]
            help=metric.help or f"{name} metric",
            labels=sorted(metric.labels),
        )
        for name, metric in found.items()
    ]
    return sorted(metrics, key=lambda metric: metric.name)


def _read(clone: Path, commit: str, paths: Iterable[str]) -> dict[str, str]:
    return {path: _git(clone, "show", f"{commit}:{path}") for path in paths}


def redis_exporter(clone: Path, tag: str) -> tuple[Source, list[InventoryMetric]]:
    """Every metric redis_exporter defines by name at ``tag``, and the citation."""
    ref, commit, note = _resolve_tag(clone, REDIS_EXPORTER_REPO, tag)
    paths = _go_files(clone, commit, "exporter")
    if "exporter/exporter.go" not in paths or "exporter/metrics.go" not in paths:
        raise UpstreamError(f"{clone}: no exporter/exporter.go at {ref}")
    metrics = _redis_metrics(_read(clone, commit, paths))
    paths = sorted([*paths, "main.go"])  # main.go: the default namespace
    _git(clone, "cat-file", "-e", f"{commit}:main.go")
    source = Source(
        method="upstream source", repo=REDIS_EXPORTER_REPO, ref=ref, commit=commit, paths=paths, note=note
    )
    return source, metrics
