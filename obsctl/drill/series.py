"""The series a drill scenario serves: the live scrape target, and the history written before it.

A scenario describes the world when the drill starts. Unless its steps say otherwise, every series
has had its value for as long as any query looks back: that history is written into Prometheus'
storage (with ``promtool tsdb create-blocks-from openmetrics``) before Prometheus starts, so every
range window (``[5m]``, ``[1h] offset 5m``) is full at the first rule evaluation, exactly as in a
real incident that has lasted that long. Expressions, windows and thresholds run unchanged.

Times: a negative step (``at: -5m``) is real time before the start, in that history. From the start
on, time is compressed by the drill's factor, so ``at: 4m`` happens 4m/factor real seconds after
the start. Gauges take the value of the step in force; counters grow by their ``rate`` per real
second, so ``rate()`` reads back that rate and ``increase(x[1h])`` reads the rate times an hour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from infra.catalog.drills.model import RELATIVE_TIME, Series, Step, Value, seconds

HISTORY_SECONDS = 3 * 3600.0
"""How far back the written history reaches: beyond the longest window plus offset of the rules."""
DENSE_SECONDS = 15 * 60.0
"""The recent history is written at the lab's own scrape interval. Prometheus extrapolates a range
to its window's start only as far as the samples' average spacing: a window mixing sparse history
and dense live samples would read rates several percent low. Windows up to this long are uniform."""

_Steps = list[tuple[float, Value | None]]
"""(wall-clock time the step starts, value), in order; a value holds until the next step."""


@dataclass(frozen=True)
class Clock:
    """Maps scenario times to the wall clock: ``start`` is the drill's start (Unix seconds)."""

    start: float
    factor: float

    def wall(self, step_start: float) -> float:
        return self.start + (step_start if step_start < 0 else step_start / self.factor)


def _steps(value: Value | list[Step], clock: Clock) -> _Steps:
    if isinstance(value, list):
        return sorted(((clock.wall(step.start), step.value) for step in value), key=lambda s: s[0])
    return [(-math.inf, value)]


def _number(value: Value, clock: Clock) -> float:
    """A step's value; ``now+14d`` is a Unix time relative to the drill's start."""
    if isinstance(value, str):
        match = RELATIVE_TIME.match(value)
        assert match is not None  # the model checked it
        offset = seconds(match["duration"])
        return clock.start + offset if match["sign"] == "+" else clock.start - offset
    return float(value)


def _value_at(steps: _Steps, moment: float) -> Value | None:
    current: Value | None = None
    for start, value in steps:
        if start > moment:
            break
        current = value
    return current


def _count_at(steps: _Steps, moment: float, origin: float, clock: Clock) -> float | None:
    """A counter's value at ``moment``: it grew at the stepped rate since ``origin``.

    None while the series does not exist (before its first step, or after a ``null`` step).
    """
    if _value_at(steps, moment) is None:
        return None
    total = 0.0
    for index, (start, rate) in enumerate(steps):
        begin = max(start, origin)
        end = min(steps[index + 1][0] if index + 1 < len(steps) else moment, moment)
        if rate is not None and end > begin:
            total += _number(rate, clock) * (end - begin)
    return total


@dataclass(frozen=True)
class ServedSeries:
    series: Series
    clock: Clock

    @cached_property
    def _steps(self) -> _Steps:
        """The steps on the wall clock, computed once: samples are taken at every scrape and
        history moment."""
        spec = self.series
        kind = spec.value if spec.value is not None else spec.rate
        if kind is None and spec.histogram is not None:
            kind = spec.histogram.rate
        assert kind is not None  # the model requires one kind
        return _steps(kind, self.clock)

    @property
    def origin(self) -> float:
        """Where counters start from zero: the beginning of the written history."""
        return self.clock.start - HISTORY_SECONDS

    def samples(self, moment: float) -> Iterator[tuple[str, dict[str, str], float]]:
        spec, clock = self.series, self.clock
        if spec.value is not None:
            value = _value_at(self._steps, moment)
            if value is not None:
                yield spec.metric, spec.labels, _number(value, clock)
        elif spec.rate is not None:
            count = _count_at(self._steps, moment, self.origin, clock)
            if count is not None:
                yield spec.metric, spec.labels, count
        elif spec.histogram is not None:
            histogram = spec.histogram
            count = _count_at(self._steps, moment, self.origin, clock)
            if count is None:
                return
            for bound in [*sorted(histogram.buckets), math.inf]:
                le = "+Inf" if bound == math.inf else _format(bound)
                yield (
                    f"{spec.metric}_bucket",
                    {**spec.labels, "le": le},
                    count if histogram.observe <= bound else 0.0,
                )
            yield f"{spec.metric}_sum", spec.labels, count * histogram.observe
            yield f"{spec.metric}_count", spec.labels, count


def _format(number: float) -> str:
    return repr(float(number)) if not float(number).is_integer() else f"{number:g}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(metric: str, labels: dict[str, str], value: float, timestamp: float | None = None) -> str:
    rendered = ",".join(f'{name}="{_escape(v)}"' for name, v in sorted(labels.items()))
    suffix = f" {timestamp:.3f}" if timestamp is not None else ""
    return f"{metric}{{{rendered}}} {_format(value)}{suffix}"


def exposition(served: Iterable[ServedSeries], moment: float) -> str:
    """Every series at the wall-clock ``moment``, in the text format a scrape reads."""
    lines = [
        _line(metric, labels, value) for item in served for metric, labels, value in item.samples(moment)
    ]
    return "\n".join(lines) + "\n"


def history_moments(clock: Clock, interval: float, dense_interval: float) -> list[float]:
    """One sample per ``interval`` (the stack's real scrape interval) from :data:`HISTORY_SECONDS`
    before the start, then one per ``dense_interval`` (the lab's) over the last :data:`DENSE_SECONDS`."""
    moments = []
    moment = clock.start - HISTORY_SECONDS
    dense_from = clock.start - DENSE_SECONDS
    while moment < dense_from:
        moments.append(moment)
        moment += interval
    moment = dense_from
    while moment < clock.start - dense_interval / 2:
        moments.append(moment)
        moment += dense_interval
    return moments


def history(served: list[ServedSeries], moments: list[float], target_labels: dict[str, str]) -> str:
    """OpenMetrics text of every series at each of ``moments``, for ``promtool tsdb create-blocks``.

    ``target_labels`` are the labels the scrape adds (``job``, ``instance``) where a series has none
    of its own, so the history and the scraped samples are one series.

    A family's samples must be contiguous and each series in time order, so series are written one
    after the other, grouped by metric name.
    """
    by_series: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for item in served:
        for when in moments:
            for metric, own_labels, value in item.samples(when):
                labels = {**target_labels, **own_labels}
                key = (metric, tuple(sorted(labels.items())))
                by_series.setdefault(key, []).append(_line(metric, labels, value, when))
    families: dict[str, list[str]] = {}
    for (metric, _), lines in by_series.items():
        family = metric.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        families.setdefault(family, []).extend(lines)
    body = [line for lines in families.values() for line in lines]
    return "\n".join([*body, "# EOF"]) + "\n"
