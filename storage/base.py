"""The `Store` protocol: what the rest of Anjing may ask of the system of record."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sensors import Quality, Quantity, Reading


@dataclass(frozen=True, slots=True)
class Bucket:
    """Aggregates of one sensor over [start, start + every). Statistics cover good readings only."""

    start: datetime
    count: int  # good readings in the bucket
    bad: int  # readings of any other quality
    mean: float | None
    min: float | None
    max: float | None
    last: float | None


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Good readings of one sensor over one window [start, start + every) laid from an origin (reports)."""

    start: datetime
    minutes: int  # clock minutes holding at least one good reading: the window's data time
    count: int
    mean: float
    min: float
    max: float


@dataclass(frozen=True, slots=True)
class SeriesChunk:
    """Consecutive readings of one sensor, column by column, oldest first: what an export streams,
    without an object per reading (a year of 10-second data is 3 million readings)."""

    sensor: str
    quantity: Quantity
    ts: Sequence[int]  # milliseconds since the Unix epoch (UTC)
    values: Sequence[float | None]
    qualities: Sequence[Quality]
    states: Sequence[str | None]


class Store(Protocol):
    async def write(self, readings: Sequence[Reading]) -> None:
        """Persist a batch atomically; a reading already stored for (sensor, ts) is replaced."""

    async def latest(self, sensors: Collection[str] | None = None) -> list[Reading]:
        """The newest reading of each sensor (all sensors when `sensors` is None)."""

    async def raw(self, sensor: str, start: datetime, end: datetime, *, limit: int = 10_000) -> list[Reading]:
        """Readings of `sensor` with start ≤ ts < end, oldest first, at most `limit`."""

    async def aggregate(self, sensor: str, start: datetime, end: datetime, every: float) -> list[Bucket]:
        """Buckets of `every` seconds aligned to the Unix epoch, covering [start, end); empty buckets omitted."""

    async def purge(self, older_than: datetime) -> int:
        """Delete readings older than `older_than`; returns how many."""

    async def ping(self) -> None:
        """Raise if the store cannot be read now; cheap enough for every health probe."""

    async def count(self) -> int:
        """Readings stored (for health and tests)."""

    async def close(self) -> None:
        """Finish pending work and release the files."""
