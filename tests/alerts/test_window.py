"""The sliding mean's edges: what enters, what leaves, and how much of the window the data covers."""

from __future__ import annotations

import pytest

from alerts.rules import SlidingMean


def test_a_reading_leaves_the_window_one_window_later() -> None:
    window = SlidingMean(3600)  # 10 s buckets
    window.add(0, 1.0)
    for t in range(10, 3600, 10):
        window.add(t, 0.0)
    assert window.value(3599, 10).mean == pytest.approx(1 / 360)
    assert window.value(3610, 10).mean == 0.0  # the reading at 0 s is more than an hour old
    assert window.value(3610, 10).count == 359


def test_coverage_counts_readings_and_never_exceeds_the_span_or_window() -> None:
    window = SlidingMean(3600)
    for t in range(0, 600, 10):
        window.add(t, 2.0)
    covered = window.value(600, 10)
    assert (covered.mean, covered.count, covered.covered) == (2.0, 60, 600)
    fast = SlidingMean(3600)
    for t in range(100):  # a sensor reporting every second, claimed as 10 s: the span caps it
        fast.add(t, 1.0)
    assert fast.value(100, 10).covered == pytest.approx(110)


def test_late_and_empty() -> None:
    window = SlidingMean(60)
    assert window.value(0, 1).mean is None
    window.add(30, 5.0)
    window.add(10, 100.0)  # older than the newest bucket: ignored
    assert window.value(31, 1).mean == 5.0
    assert window.value(200, 1).mean is None
