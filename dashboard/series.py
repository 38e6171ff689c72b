"""A sensor's trend as the browser gets it: one min/max/mean bucket per pixel column, never every point.

30 days at 10-second resolution is 259 200 readings per sensor; the store aggregates them into
`PIXELS` buckets in SQLite, so the browser draws at most a few thousand points whatever the range.
The window mean of a rule (e.g. 1-hour CO2) is a rolling mean over those buckets, weighted by their
counts, when the window spans several buckets; shorter windows are the mean line itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from storage.base import Store

PIXELS = 800  # buckets per range: about one per pixel column of a wide chart
MIN_EVERY = 1.0


@dataclass(frozen=True, slots=True)
class Trend:
    times: list[datetime]
    mean: list[float | None]
    low: list[float | None]
    high: list[float | None]
    counts: list[int]
    every: float


def bucket_size(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds() / PIXELS, MIN_EVERY)


async def trend(store: Store, sensor: str, start: datetime, end: datetime) -> Trend:
    every = bucket_size(start, end)
    buckets = await store.aggregate(sensor, start, end, every)
    return Trend(
        times=[b.start for b in buckets],
        mean=[b.mean for b in buckets],
        low=[b.min for b in buckets],
        high=[b.max for b in buckets],
        counts=[b.count for b in buckets],
        every=every,
    )


def rolling_mean(trend: Trend, window: float) -> list[float | None]:
    """The mean over the last `window` seconds at each bucket, from bucket means weighted by counts."""
    span = max(1, round(window / trend.every))
    held: deque[tuple[float, int]] = deque()
    total, count = 0.0, 0
    out: list[float | None] = []
    for mean, n in zip(trend.mean, trend.counts, strict=True):
        entry = (mean * n, n) if mean is not None and n else (0.0, 0)
        held.append(entry)
        total, count = total + entry[0], count + entry[1]
        if len(held) > span:
            old_sum, old_n = held.popleft()
            total, count = total - old_sum, count - old_n
        out.append(total / count if count else None)
    return out
