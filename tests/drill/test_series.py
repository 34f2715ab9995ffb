"""What the lab serves: rate() of a counter reads back the stated rate, gauges step in compressed
time, histograms are cumulative, and the written history joins the scraped samples."""

from __future__ import annotations

import itertools
import math

from infra.catalog.drills.model import Series
from obsctl.drill.series import (
    DENSE_SECONDS,
    HISTORY_SECONDS,
    Clock,
    ServedSeries,
    exposition,
    history,
    history_moments,
)

CLOCK = Clock(start=1_000_000.0, factor=120)


def served(**spec: object) -> ServedSeries:
    return ServedSeries(Series.model_validate(spec), CLOCK)


def test_a_counter_grows_by_its_rate_per_real_second_from_the_start_of_history() -> None:
    counter = served(metric="c_total", rate=2)
    ((_, _, at_start),) = counter.samples(CLOCK.start)
    ((_, _, later),) = counter.samples(CLOCK.start + 10)
    assert at_start == 2 * HISTORY_SECONDS
    assert later - at_start == 20


def test_steps_are_real_time_before_the_start_and_compressed_after_it() -> None:
    gauge = served(
        metric="g", value=[{"at": "-5m", "value": 1}, {"at": "4m", "value": 2}, {"at": "8m", "value": None}]
    )
    assert list(gauge.samples(CLOCK.start - 301)) == []
    assert [v for *_, v in gauge.samples(CLOCK.start - 299)] == [1]
    assert [v for *_, v in gauge.samples(CLOCK.start + 1.9)] == [1]
    assert [v for *_, v in gauge.samples(CLOCK.start + 2.1)] == [2]  # 4m / 120 = 2 s
    assert list(gauge.samples(CLOCK.start + 4.1)) == []  # removed at 8m


def test_relative_times_are_fixed_at_the_drill_start() -> None:
    certificate = served(metric="probe_ssl_earliest_cert_expiry", value="now+5d")
    assert [v for *_, v in certificate.samples(CLOCK.start + 50)] == [CLOCK.start + 5 * 86400]


def test_histograms_are_cumulative_buckets_with_sum_and_count() -> None:
    histogram = served(
        metric="h_seconds", labels={"route": "/"}, histogram={"buckets": [1, 5], "observe": 3, "rate": 1}
    )
    samples = {(m, labels.get("le")): v for m, labels, v in histogram.samples(CLOCK.start)}
    total = HISTORY_SECONDS
    assert samples == {
        ("h_seconds_bucket", "1"): 0.0,
        ("h_seconds_bucket", "5"): total,
        ("h_seconds_bucket", "+Inf"): total,
        ("h_seconds_sum", None): 3 * total,
        ("h_seconds_count", None): total,
    }


def test_exposition_escapes_label_values() -> None:
    text = exposition([served(metric="g", labels={"path": 'a"b\\c\nd'}, value=1)], CLOCK.start)
    assert text == 'g{path="a\\"b\\\\c\\nd"} 1\n'


def test_history_is_sparse_then_as_dense_as_the_lab_scrapes() -> None:
    moments = history_moments(CLOCK, 30, 1)
    assert moments[0] == CLOCK.start - HISTORY_SECONDS
    assert all(b > a for a, b in itertools.pairwise(moments))
    recent = [m for m in moments if m >= CLOCK.start - DENSE_SECONDS]
    assert len(recent) == DENSE_SECONDS and max(recent) < CLOCK.start
    assert {round(b - a, 6) for a, b in itertools.pairwise(recent)} == {1.0}


def test_history_carries_the_scrape_labels_so_it_joins_the_scraped_series() -> None:
    text = history(
        [served(metric="g", value=1), served(metric="g2", labels={"job": "x"}, value=2)],
        [CLOCK.start - 60],
        {"job": "drill", "instance": "127.0.0.1:1"},
    )
    assert text.splitlines() == [
        f'g{{instance="127.0.0.1:1",job="drill"}} 1 {CLOCK.start - 60:.3f}',
        f'g2{{instance="127.0.0.1:1",job="x"}} 2 {CLOCK.start - 60:.3f}',
        "# EOF",
    ]
    assert math.isfinite(CLOCK.start)
