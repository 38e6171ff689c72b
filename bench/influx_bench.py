"""InfluxDB forwarding benchmark against a real VictoriaMetrics (Debian's victoria-metrics, on loopback).

1. Throughput: an outbox of 300 000 readings, drained with `max_rate` out of the way, per batch size.
2. Backlog: one hour of the demo site's readings (its sensors at their poll rates) queued, as after
   an hour's outage; then the forwarder starts at the default settings while live readings keep
   arriving at the demo's rate. Measured: time until the hour is gone, and how long each live
   batch waited in the outbox meanwhile.

Run from the repository: `.venv/bin/python bench/influx_bench.py` (about 90 s). It prints the
figures that bench/RESULTS.md quotes.
"""

from __future__ import annotations

import asyncio
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from config import load_site
from config.catalog import build_catalog
from config.influx import InfluxStorage
from sensors import Reading
from storage import SqliteStore
from storage.influx import InfluxForwarding

DEMO = Path(__file__).resolve().parents[1] / "config" / "examples" / "demo-site.yaml"
THROUGHPUT_POINTS = 300_000
LIVE_SECONDS = 15  # live data flows at least this long, drain or not


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_victoria(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            "victoria-metrics",
            f"-httpListenAddr=127.0.0.1:{port}",
            f"-storageDataPath={folder}",
            "-retentionPeriod=100y",
            "-search.latencyOffset=0s",
            "-loggerLevel=ERROR",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("victoria-metrics did not start")


def config(url: str, **overrides: object) -> InfluxStorage:
    values: dict[str, object] = {"url": url, "bucket": "bench", "token": SecretStr("t")}
    values.update(overrides)
    return InfluxStorage.model_validate(values)


def demo_readings(start: datetime, seconds: float) -> list[Reading]:
    """The demo site's sensors, each at its device's poll interval, over [start, start + seconds)."""
    catalog = build_catalog(load_site(DEMO))
    out: list[Reading] = []
    for info in catalog.values():
        t = 0.0
        while t < seconds:
            out.append(Reading(info.id, info.quantity, 1.0, start + timedelta(seconds=t)))
            t += info.poll
    out.sort(key=lambda r: r.ts)
    return out


def depth(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (n,) = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(n)


def pending_between(db: Path, first: int, last: int) -> int:
    with sqlite3.connect(db) as conn:
        (n,) = conn.execute("SELECT COUNT(*) FROM outbox WHERE id BETWEEN ? AND ?", (first, last)).fetchone()
        return int(n)


def max_id(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (n,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()
        return int(n)


async def throughput(folder: Path, url: str, batch_size: int, gzip: bool) -> float:
    db = folder / f"tp-{batch_size}-{gzip}.db"
    store = await SqliteStore.open(db, outbox=True)
    catalog = build_catalog(load_site(DEMO))
    sensors = list(catalog.values())
    base = datetime.now(UTC) - timedelta(days=1)
    data = [
        Reading(s.id, s.quantity, float(i), base + timedelta(seconds=i))
        for i in range(THROUGHPUT_POINTS // len(sensors) + 1)
        for s in sensors
    ][:THROUGHPUT_POINTS]
    for i in range(0, len(data), 5000):
        await store.write(data[i : i + 5000])
    fwd = InfluxForwarding(
        db, config(url, batch_size=batch_size, max_rate=1e9, gzip=gzip), site="bench", catalog=catalog
    )
    started = time.perf_counter()
    async with fwd:
        while depth(db):  # noqa: ASYNC110 — the file is the only signal: poll it
            await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    await store.close()
    return len(data) / elapsed


async def backlog(folder: Path, url: str) -> None:
    db = folder / "backlog.db"
    store = await SqliteStore.open(db, outbox=True)
    catalog = build_catalog(load_site(DEMO))
    now = datetime.now(UTC)
    hour = demo_readings(now - timedelta(hours=1), 3600)
    for i in range(0, len(hour), 5000):
        await store.write(hour[i : i + 5000])
    last_backlog = max_id(db)
    print(f"backlog: {len(hour)} readings of {len(catalog)} sensors (one hour of the demo site)")
    live_batches: list[tuple[float, int, int]] = []  # (written at, first id, last id)
    waits: list[float] = []
    started = time.perf_counter()
    drained_at: float | None = None
    async with InfluxForwarding(db, config(url), site="bench", catalog=catalog):
        second = 0
        while drained_at is None or live_batches or second < LIVE_SECONDS:
            live = demo_readings(now + timedelta(seconds=second), 1.0)  # the demo's readings of one second
            second += 1
            first = max_id(db) + 1
            await store.write(live)
            live_batches.append((time.perf_counter(), first, max_id(db)))
            for _ in range(10):
                await asyncio.sleep(0.1)
                for batch in list(live_batches):
                    if not pending_between(db, batch[1], batch[2]):
                        waits.append(time.perf_counter() - batch[0])
                        live_batches.remove(batch)
                if drained_at is None and not pending_between(db, 1, last_backlog):
                    drained_at = time.perf_counter() - started
            if second > 120:
                raise RuntimeError("backlog did not drain in two minutes")
    await store.close()
    assert drained_at is not None
    print(f"backlog drained in {drained_at:.2f} s ({len(hour) / drained_at:,.0f} points/s incl. live)")
    print(
        f"live readings waited in the outbox meanwhile: max {max(waits):.2f} s, "
        f"mean {sum(waits) / len(waits):.2f} s over {len(waits)} one-second batches "
        "(measured at 0.1 s resolution)"
    )


async def main() -> None:
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, url = start_victoria(folder / "vm")
        try:
            for batch_size, gzip in ((1000, True), (5000, True), (5000, False), (20000, True)):
                rate = await throughput(folder, url, batch_size, gzip)
                print(f"throughput: batch {batch_size:>5}, gzip {gzip!s:>5}: {rate:>9,.0f} points/s")
            await backlog(folder, url)
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
