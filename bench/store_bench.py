"""Store benchmark on real files: write throughput, a 30-day hourly aggregate, and `latest()`.

Run from the repository: `.venv/bin/python bench/store_bench.py` (about a minute). It prints the
figures that bench/RESULTS.md quotes. `--dir` puts the files on the disk to be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from sensors import Quality, Quantity, Reading
from storage import ReadingStream, SqliteStore, StoreWriter

START = datetime(2024, 1, 1, tzinfo=UTC)
STEP = timedelta(seconds=10)
BATCH = 5000
PUT = 200  # readings a collector puts at once: one poll of a few devices
MONTH_POINTS = 30 * 24 * 360  # 30 days at 10 s
LATEST_SENSORS = 400


def readings(sensors: int, points: int, *, prefix: str = "s") -> list[Reading]:
    """`points` readings per sensor, 10 s apart, in collector order: every sensor at t, then at t + 10 s.

    One reading in a hundred is bad, without a value, as from a device answering a fault code.
    """
    names = [f"{prefix}{i:03d}" for i in range(sensors)]
    out: list[Reading] = []
    for k in range(points):
        ts = START + k * STEP
        for j, name in enumerate(names):
            if (k + j) % 100 == 99:
                out.append(Reading(name, Quantity.TEMPERATURE, None, ts, Quality.BAD))
            else:
                out.append(Reading(name, Quantity.TEMPERATURE, 20.0 + (k + j) % 100 / 10, ts))
    return out


async def write_direct(path: Path, data: list[Reading]) -> float:
    """Points per second through `SqliteStore.write`, in batches of BATCH."""
    store = await SqliteStore.open(path)
    try:
        start = time.perf_counter()
        for i in range(0, len(data), BATCH):
            await store.write(data[i : i + BATCH])
        return len(data) / (time.perf_counter() - start)
    finally:
        await store.close()


async def write_through_stream(path: Path, data: list[Reading]) -> float:
    """Points per second from producers' `put`s of PUT readings to the last one stored."""
    store = await SqliteStore.open(path)
    try:
        stream = ReadingStream(10_000)  # the configured default
        writer = StoreWriter(stream, store, batch_size=BATCH, flush_interval=0.05)
        start = time.perf_counter()
        writing = asyncio.create_task(writer.run())
        for i in range(0, len(data), PUT):
            await stream.put(data[i : i + PUT])
        await stream.close()
        await writing
        assert writer.written == len(data)
        return len(data) / (time.perf_counter() - start)
    finally:
        await store.close()


async def median_ms(call: Callable[[], Awaitable[object]], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def reads(path: Path, runs: int) -> dict[str, float]:
    """Aggregate and latest() timings on the store `write_direct` left, plus one month of one sensor."""
    store = await SqliteStore.open(path)
    try:
        month = readings(1, MONTH_POINTS, prefix="month")
        start = time.perf_counter()
        for i in range(0, len(month), BATCH):
            await store.write(month[i : i + BATCH])
        figures = {"one sensor, time order (points/s)": len(month) / (time.perf_counter() - start)}
        rooms = max(LATEST_SENSORS - len(await store.latest()), 0)
        await store.write(readings(rooms, 3, prefix="room"))  # up to LATEST_SENSORS, for latest()
        end = START + timedelta(days=30)

        async def hourly() -> None:
            buckets = await store.aggregate("month000", START, end, 3600)
            assert len(buckets) == 720
            assert sum(b.count + b.bad for b in buckets) == MONTH_POINTS

        names = [r.sensor for r in await store.latest()]

        async def latest_named() -> None:
            assert len(await store.latest(names)) == len(names)

        figures["aggregate 30 d hourly, 259 200 points (ms)"] = await median_ms(hourly, runs)
        figures[f"latest(), all {len(names)} sensors (ms)"] = await median_ms(store.latest, runs)
        figures[f"latest(), {len(names)} sensors named (ms)"] = await median_ms(latest_named, runs)
        figures[f"count(), {await store.count():,} readings (ms)"] = await median_ms(store.count, runs)
        return figures
    finally:
        await store.close()


async def latest_while_writing(path: Path, data: list[Reading], runs: int) -> dict[str, float]:
    """latest() latency while batches are being written: the reader has its own connection and thread."""
    store = await SqliteStore.open(path)
    try:
        await store.write(data[:BATCH])
        idle = await median_ms(store.latest, runs)
        batch_ms: list[float] = []

        async def write_all() -> None:
            for i in range(0, len(data), BATCH):
                start = time.perf_counter()
                await store.write(data[i : i + BATCH])
                batch_ms.append((time.perf_counter() - start) * 1000)

        writing = asyncio.create_task(write_all())
        busy: list[float] = []
        while not writing.done():
            start = time.perf_counter()
            await store.latest()
            busy.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.005)
        await writing
        return {
            "latest() idle, median (ms)": idle,
            "latest() during writes, median (ms)": statistics.median(busy),
            "latest() during writes, max (ms)": max(busy),
            "one 5000-point write, median (ms)": statistics.median(batch_ms),
        }
    finally:
        await store.close()


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        cpu = models[0] if models else cpu
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "load": " ".join(f"{load:.2f}" for load in os.getloadavg()),  # other work skews the figures
    }


async def main(folder: Path, sensors: int, points: int, runs: int) -> None:
    for key, text in machine().items():
        print(f"{key:8s} {text}")
    data = readings(sensors, points)
    print(f"\n(a) write {len(data):,} points ({sensors} sensors × {points}), batches of {BATCH}")
    speed = await write_direct(folder / "direct.db", data)
    print(f"    SqliteStore.write           {speed:>12,.0f} points/s")
    speed = await write_through_stream(folder / "stream.db", data)
    print(f"    stream → StoreWriter        {speed:>12,.0f} points/s  (puts of {PUT})")
    print(f"\n(b, c) reads, median of {runs} runs, beside the {len(data):,} points above")
    for label, value in (await reads(folder / "direct.db", runs)).items():
        print(f"    {label:44s} {value:>10,.1f}")
    print("\n(d) reads while writing")
    for label, value in (await latest_while_writing(folder / "busy.db", data[: 40 * BATCH], runs)).items():
        print(f"    {label:44s} {value:>10,.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, help="folder for the database files (default: a temporary one)")
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--points", type=int, default=5000, help="per sensor")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="anjing-bench-") as folder:
        asyncio.run(main(Path(folder), args.sensors, args.points, args.runs))
