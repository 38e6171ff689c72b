"""The trend's window mean: a rolling mean of pixel buckets, weighted by how many readings each holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.series import PIXELS, Trend, bucket_size, rolling_mean


def trend(means: list[float | None], counts: list[int], every: float = 600.0) -> Trend:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    times = [start + timedelta(seconds=every * i) for i in range(len(means))]
    return Trend(times, means, means, means, counts, every)


def test_an_hour_over_ten_minute_buckets_weighs_by_count() -> None:
    data = trend([10.0, 20.0, None, 40.0, 10.0, 10.0, 10.0, 10.0], [60, 20, 0, 60, 60, 60, 60, 60])
    out = rolling_mean(data, 3600.0)  # six buckets
    assert out[0] == 10.0
    assert out[1] == pytest.approx((10 * 60 + 20 * 20) / 80)
    assert out[2] == out[1]  # an empty bucket adds nothing
    assert out[5] == pytest.approx((600 + 400 + 2400 + 600 + 600) / 260)
    assert out[6] == pytest.approx((400 + 2400 + 600 + 600 + 600) / 260)  # the first bucket has left
    assert out[7] == pytest.approx((2400 + 600 * 4) / 300)


def test_nothing_in_the_window_is_no_value_not_zero() -> None:
    assert rolling_mean(trend([None, None], [0, 0]), 3600.0) == [None, None]


def test_buckets_are_about_one_per_pixel_column_and_never_below_a_second() -> None:
    end = datetime(2026, 11, 30, tzinfo=UTC)
    assert bucket_size(end - timedelta(days=30), end) * PIXELS == pytest.approx(30 * 86400)
    assert bucket_size(end - timedelta(seconds=100), end) == 1.0
