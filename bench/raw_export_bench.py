"""Raw-data export benchmark: a year of 10-second data of one sensor, as CSV and as Parquet.

Run from the repository: `.venv/bin/python bench/raw_export_bench.py` (about 1½ minutes). It seeds
3 153 600 readings into a fresh SQLite file (one executemany after `SqliteStore.write` made the
series), then times the store's keyset cursor alone, the CSV and the Parquet export (the same byte
chunks the API streams), and the peak of the Python heap (tracemalloc, a separate run: tracing slows
the allocations it counts) while the CSV streams. It prints the figures that bench/RESULTS.md quotes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from compliance.raw import ExportFormat, export_chunks
from sensors import Quantity, Reading
from storage import SqliteStore

START = datetime(2025, 10, 1, tzinfo=UTC)
END = START + timedelta(days=365)
EVERY_MS = 10_000
READINGS = 365 * 86_400_000 // EVERY_MS
SENSOR = "aq-1.co2"
TZ = ZoneInfo("Asia/Shanghai")


async def seed(path: Path) -> float:
    store = await SqliteStore.open(path)
    await store.write([Reading(SENSOR, Quantity.CO2, 400.0, START)])
    await store.close()
    began = time.perf_counter()
    first = int(START.timestamp() * 1000)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO readings (series, ts, value, quality, state) VALUES (1, ?, ?, 0, NULL)",
            ((first + i * EVERY_MS, 400.0 + i % 600) for i in range(READINGS)),
        )
    return time.perf_counter() - began


async def cursor_only(path: Path) -> tuple[int, float]:
    store = await SqliteStore.open(path)
    began, rows = time.perf_counter(), 0
    async for chunk in store.stream([SENSOR], START, END, chunk=20_000):
        rows += len(chunk.ts)
    elapsed = time.perf_counter() - began
    await store.close()
    return rows, elapsed


async def export(path: Path, fmt: ExportFormat, *, traced: bool) -> tuple[int, float, int]:
    """(bytes, seconds, peak heap bytes or 0)."""
    store = await SqliteStore.open(path)
    if traced:
        tracemalloc.start()
    began, size = time.perf_counter(), 0
    async for data in export_chunks(store, [SENSOR], START, END, fmt=fmt, tz=TZ):
        size += len(data)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    await store.close()
    return size, elapsed, peak


async def main(folder: Path) -> None:
    path = folder / "year.db"
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    seconds = await seed(path)
    print(f"seed {READINGS} readings (executemany): {seconds:.1f} s, {READINGS / seconds / 1000:.0f}k/s")
    rows, seconds = await cursor_only(path)
    print(f"store.stream alone: {rows} rows in {seconds:.1f} s = {rows / seconds / 1000:.0f}k rows/s")
    for fmt in ExportFormat:
        size, seconds, _ = await export(path, fmt, traced=False)
        print(
            f"{fmt.value}: {size / 1e6:.1f} MB in {seconds:.1f} s = {READINGS / seconds / 1000:.0f}k rows/s, "
            f"{size / seconds / 1e6:.1f} MB/s"
        )
    size, seconds, peak = await export(path, ExportFormat.CSV, traced=True)
    print(
        f"csv under tracemalloc: {seconds:.1f} s, peak Python heap {peak / 1e6:.1f} MB for {size / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="folder for the SQLite file (default: a temporary one)")
    args = parser.parse_args()
    if args.dir is not None:
        asyncio.run(main(args.dir))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(main(Path(folder)))
