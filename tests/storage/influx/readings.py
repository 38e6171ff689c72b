"""Readings of demo-site sensors, recent enough for the outbox's age cap, and how to wait for a forwarder."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sensors import Quality, Quantity, Reading

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

SENSORS = {  # demo-site sensors of three families, one a state quantity
    "aq-hall-1.co2": Quantity.CO2,
    "lux-hall-1.illuminance": Quantity.ILLUMINANCE,
    "door-mon.door_1": Quantity.DOOR_STATE,
}


def batch(start: int, count: int) -> list[Reading]:
    """`count` readings per sensor, one per 10 ms from `start`·10 ms after BASE; every 7th is bad."""
    readings = []
    for i in range(start, start + count):
        ts = BASE + timedelta(milliseconds=10 * i)
        for sensor, quantity in SENSORS.items():
            if i % 7 == 3:
                readings.append(Reading(sensor, quantity, None, ts, Quality.BAD))
            elif quantity.info.is_state:
                readings.append(
                    Reading(sensor, quantity, float(i % 2), ts, state=quantity.info.states[i % 2])
                )
            else:
                readings.append(Reading(sensor, quantity, i + 0.25, ts))
    return readings


def keys(readings: list[Reading]) -> set[tuple[str, int]]:
    return {(r.sensor, int(r.ts.timestamp() * 1000)) for r in readings}


async def until(condition: Callable[[], object], limit: float = 20.0, what: str = "condition") -> None:
    """Poll an async or sync condition every 20 ms."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
