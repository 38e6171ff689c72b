"""A sliding mean over a fixed time window, in constant memory and constant time per reading.

Readings are summed into 360 buckets per window (10 s for a 1-hour window, 4 min for 24 hours, a day
for a year), so a year of radon costs the same memory as an hour of CO2. The window's start is exact
to one bucket. A window counts only once it holds enough data: GB/T 18883 Annex A asks for 45 min of
an hour, 6 h of 8, 18 h of a day and 3 months of a year (`min_coverage`), so a mean over the first
minutes after start-up, or over a sensor that was away most of the hour, is not a mean of the hour.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

BUCKETS = 360


@dataclass(frozen=True, slots=True)
class WindowValue:
    mean: float | None  # None when the window holds no reading
    count: int
    covered: float  # seconds of the window the readings account for


class SlidingMean:
    def __init__(self, length: float) -> None:
        if length <= 0:
            raise ValueError("window length must be > 0")
        self.length = length
        self.bucket = length / BUCKETS
        self._buckets: deque[list[float]] = deque()  # [index, sum, count], oldest first
        self._sum = 0.0
        self._count = 0

    def add(self, ts: float, value: float, count: int = 1) -> None:
        """Add a reading at `ts` (seconds since the epoch), or `count` readings summing to `value`
        (a stored bucket aligned to the epoch like ours); readings arrive in time order per sensor."""
        index = ts // self.bucket
        if self._buckets and self._buckets[-1][0] == index:
            self._buckets[-1][1] += value
            self._buckets[-1][2] += count
        elif not self._buckets or self._buckets[-1][0] < index:
            self._buckets.append([index, value, count])
        else:
            return  # older than what the window holds: a late duplicate, already counted or evicted
        self._sum += value
        self._count += count

    def value(self, now: float, interval: float) -> WindowValue:
        """The mean over (now − length, now]; `interval` is the sensor's reading period."""
        first = (now - self.length) // self.bucket  # buckets before this one have left the window
        while self._buckets and self._buckets[0][0] < first:
            _, total, count = self._buckets.popleft()
            self._sum -= total
            self._count -= int(count)
        if not self._count:
            self._sum = 0.0  # no drift from float subtraction once empty
            return WindowValue(None, 0, 0.0)
        span = now - self._buckets[0][0] * self.bucket + interval
        covered = min(self._count * interval, span, self.length)
        return WindowValue(self._sum / self._count, self._count, covered)
