"""Backup benchmark: `anjing backup` of a large store, idle and while the writer stores readings.

Run from the repository: `.venv/bin/python bench/backup_bench.py --mb 1000` (about three minutes for
1 GB, most of it building the store). It prints the figures bench/RESULTS.md quotes: the copy's
speed (the backup API, the fsync, the integrity check) and how long the store's writes stall while a
backup runs. `--dir` puts the files on the disk to be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from anjing.backup import backup, check
from sensors import Quantity, Reading
from storage import SqliteStore

SENSORS = 400
CHUNK = 200_000


async def schema(path: Path) -> None:
    store = await SqliteStore.open(path)
    await store.close()


def build(path: Path, megabytes: int) -> int:
    """A store of about `megabytes`, 10-s readings of SENSORS series; returns the readings in it."""
    asyncio.run(schema(path))  # the real schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executemany(
        "INSERT INTO series (id, sensor, quantity) VALUES (?, ?, 'co2')",
        [(i, f"s{i:03d}") for i in range(SENSORS)],
    )
    rows, ts = 0, 1_700_000_000_000
    while path.stat().st_size < megabytes * 1_000_000:
        conn.execute("BEGIN")
        batch = [(i % SENSORS, ts + (rows + i) // SENSORS * 10_000, 400.0 + i % 97) for i in range(CHUNK)]
        conn.executemany("INSERT INTO readings VALUES (?, ?, ?, 0, NULL)", batch)
        conn.execute("COMMIT")
        rows += CHUNK
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return rows


async def backup_while_writing(store_path: Path, target: Path) -> tuple[float, float, int]:
    """Back up while batches of 2 000 readings are written every 0.1 s; the backup's seconds, the
    longest write during it, and the batches written meanwhile."""
    store = await SqliteStore.open(store_path)
    start = datetime.now(UTC)
    done = asyncio.Event()
    longest, batches = 0.0, 0

    async def write() -> None:
        nonlocal longest, batches
        n = 0
        while not done.is_set():
            ts = start + timedelta(seconds=n)
            batch = [Reading(f"w{i:04d}", Quantity.CO2, 400.0, ts) for i in range(2000)]
            began = time.perf_counter()
            await store.write(batch)
            longest = max(longest, time.perf_counter() - began)
            batches += 1
            n += 1
            await asyncio.sleep(0.1)

    writer = asyncio.create_task(write())
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    await asyncio.to_thread(backup, store_path, target)
    seconds = time.perf_counter() - began
    done.set()
    await writer
    await store.close()
    return seconds, longest, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=1000, help="store size to build, MB")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        store = Path(folder) / "anjing.db"
        began = time.perf_counter()
        rows = build(store, args.mb)
        size = store.stat().st_size / 1e6
        print(f"store: {size:.0f} MB, {rows:,} readings, built in {time.perf_counter() - began:.0f} s")

        began = time.perf_counter()
        idle = backup(store, Path(folder) / "idle.db")
        seconds = time.perf_counter() - began
        print(f"idle backup: {seconds:.1f} s = {size / seconds:.0f} MB/s (copy, fsync, integrity check)")
        began = time.perf_counter()
        check(idle.path)
        print(f"  of which integrity_check of the copy: {time.perf_counter() - began:.1f} s")
        idle.path.unlink()

        seconds, longest, batches = asyncio.run(backup_while_writing(store, Path(folder) / "busy.db"))
        print(
            f"backup while writing: {seconds:.1f} s; {batches} batches of 2000 written meanwhile, "
            f"longest write {longest * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
