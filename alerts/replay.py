"""Replay recorded readings through the alert engine with simulated time (`anjing evaluate`).

The CSV has the columns `time, sensor, value` and optionally `quality`; times are ISO 8601 (a time
without an offset is in the site's timezone); a state sensor's value may be its label (`fault`) or its
index. A bad row is an error naming its line, before anything is evaluated. The engine is the same as
in the service; between readings it ticks every `tick` seconds of simulated time, so pending and
keep-firing timers, stale sensors and offline devices behave as they would live.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from alerts.engine import AlertEngine
from alerts.state import Transition
from sensors import Quality, Reading
from sensors.catalog import SensorInfo


class ReplayError(ValueError):
    """The readings file cannot be replayed; the message names the file and line."""


def read_readings(path: Path, catalog: Mapping[str, SensorInfo], tz: object) -> list[Reading]:
    """Every row of `path` as a Reading, sorted by time; ReplayError on the first bad row."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ReplayError(f"{path}: 无法读取 / cannot read: {exc.strerror}") from exc
    with handle:
        rows = csv.DictReader(handle)
        missing = {"time", "sensor", "value"} - set(rows.fieldnames or ())
        if missing:
            raise ReplayError(
                f"{path}:1: 缺少列 / missing column(s) {', '.join(sorted(missing))} — "
                "valid header: time,sensor,value[,quality]"
            )
        readings = [_reading(row, rows.line_num, path, catalog, tz) for row in rows]
    readings.sort(key=lambda r: r.ts)
    return readings


def _reading(
    row: dict[str, str], line: int, path: Path, catalog: Mapping[str, SensorInfo], tz: object
) -> Reading:
    def fail(message: str, hint: str) -> ReplayError:
        return ReplayError(f"{path}:{line}: {message} — {hint}")

    info = catalog.get(row["sensor"].strip())
    if info is None:
        raise fail(
            f"未知传感器 / unknown sensor {row['sensor']!r}", "valid: a sensor id of the site (device.field)"
        )
    try:
        ts = datetime.fromisoformat(row["time"].strip())
    except ValueError as exc:
        raise fail(
            f"时间无效 / bad time {row['time']!r}", "valid: ISO 8601, e.g. 2026-03-02T09:00:00+08:00"
        ) from exc
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=tz)  # type: ignore[arg-type]
    try:
        quality = Quality((row.get("quality") or "good").strip())
    except ValueError as exc:
        raise fail(f"质量无效 / bad quality {row.get('quality')!r}", f"valid: {', '.join(Quality)}") from exc
    text = (row["value"] or "").strip()
    states = info.quantity.info.states
    value: float | None
    label: str | None = None
    if not text:
        value = None
    elif text in states:
        value, label = float(states.index(text)), text
    else:
        try:
            value = float(text)
        except ValueError as exc:
            valid = f"a number or one of {', '.join(states)}" if states else "a number"
            raise fail(f"数值无效 / bad value {text!r}", f"valid: {valid}") from exc
    return Reading(info.id, info.quantity, value, ts, quality if value is not None else Quality.BAD, label)


def replay(engine: AlertEngine, readings: list[Reading], *, tick: float = 10.0) -> Iterator[Transition]:
    """The transitions of `readings`, in time order; ticks every `tick` s of simulated time."""
    if not readings:
        return
    clock = readings[0].ts.timestamp()
    for reading in readings:
        at = reading.ts.timestamp()
        while clock + tick <= at:
            clock += tick
            yield from engine.tick(clock)
        yield from engine.feed([reading])
    yield from engine.tick(readings[-1].ts.timestamp())
