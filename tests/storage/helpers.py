"""Readings for the storage tests, at seconds after a fixed, hour-aligned instant; and a store filled up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sensors import Quality, Quantity, Reading
from storage import SqliteStore, StoreFullError

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SMALL = 48 * 4096  # bytes, as a store's `max_bytes`: the schema and a few hundred readings


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def reading(
    seconds: float,
    value: float | None = 1.0,
    *,
    sensor: str = "co2-hall",
    quality: Quality = Quality.GOOD,
    quantity: Quantity = Quantity.CO2,
    state: str | None = None,
) -> Reading:
    return Reading(sensor, quantity, value, at(seconds), quality, state)


def series(sensor: str, count: int, *, start: float = 0.0, step: float = 10.0) -> list[Reading]:
    """`count` good readings of `sensor`, `step` seconds apart, valued 0, 1, 2, …"""
    return [reading(start + i * step, float(i), sensor=sensor) for i in range(count)]


async def fill(store: SqliteStore, sensor: str = "old") -> int:
    """Write batches of 200 readings until the store is full; returns how many fitted."""
    written = 0
    for batch in range(1000):
        try:
            await store.write(series(sensor, 200, start=batch * 2000))
        except StoreFullError:
            return written
        written += 200
    raise AssertionError("the store never filled up")
