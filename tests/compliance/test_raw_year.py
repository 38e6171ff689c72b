"""A year of 10-second data of one sensor exported as CSV over real HTTP in bounded memory.

3 153 600 readings, ~190 MB of CSV. The server (uvicorn, in a thread of this process, its lifespan
running the site's Runtime) streams the file while tracemalloc watches every thread of the process:
the peak of the Python heap must stay far below the size of what was sent. The readings are seeded
with one `executemany` straight into the `readings` table (after `SqliteStore.write` has created the
series): 3 M readings through `write` would take most of the minute on 2 cores, and writing is not what
is tested here. The speed is measured in bench/raw_export_bench.py, not asserted.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.auth import Role
from api.auth.service import AuthService
from config import Site, load_site
from sensors import Quantity, Reading
from storage import SqliteStore
from tests.api_client import bearer, served_in_thread
from tests.helpers import free_port, small_site

START = datetime(2025, 10, 1, tzinfo=UTC)
EVERY_MS = 10_000
READINGS = 365 * 86_400_000 // EVERY_MS  # 3 153 600
MAX_HEAP = 50_000_000  # bytes


def seed_year(site: Site) -> None:
    path = site.resolve(site.config.storage.sqlite.path)

    async def create_series() -> None:
        store = await SqliteStore.open(path)
        await store.write([Reading("aq-1.co2", Quantity.CO2, 400.0, START)])
        await store.close()

    asyncio.run(create_series())
    first = int(START.timestamp() * 1000)
    with sqlite3.connect(path) as conn:
        (series,) = conn.execute("SELECT id FROM series WHERE sensor = 'aq-1.co2'").fetchone()
        conn.executemany(
            "INSERT OR REPLACE INTO readings (series, ts, value, quality, state) VALUES (?, ?, ?, 0, NULL)",
            ((series, first + i * EVERY_MS, 400.0 + i % 600) for i in range(READINGS)),
        )


def manager_token(site: Site) -> dict[str, str]:
    async def token() -> dict[str, str]:
        auth = await AuthService.open(site.resolve(site.config.storage.sqlite.path), site.config.api.auth)
        try:
            return await bearer(auth, Role.MANAGER)
        finally:
            await auth.close()

    return asyncio.run(token())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    site = load_site(small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port()))
    seed_year(site)
    headers = manager_token(site)
    with served_in_thread(site, "export-server") as url:
        yield url, headers


def test_a_year_of_ten_second_data_streams_in_bounded_memory(server: tuple[str, dict[str, str]]) -> None:
    url, headers = server
    params = {
        "sensor": "aq-1.co2",
        "start": START.isoformat(),
        "end": (START + timedelta(days=365)).isoformat(),
    }
    size = lines = 0
    first = last = b""
    tracemalloc.start()
    try:
        with (
            httpx.Client(base_url=url, headers=headers, timeout=60) as client,
            client.stream("GET", "/api/v1/export/readings", params=params) as answer,
        ):
            assert answer.status_code == 200
            for data in answer.iter_bytes():
                if len(first) < 200:
                    first += data[:200]
                size += len(data)
                lines += data.count(b"\n")
                last = data[-200:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == READINGS + 1
    assert first.startswith(b"\xef\xbb\xbftime,sensor,quantity,value,unit,quality,state\r\n")
    assert first.split(b"\r\n")[1] == b'"2025-10-01T08:00:00.000+08:00","aq-1.co2","co2",400,"ppm","good",'
    assert last.split(b"\r\n")[-2] == b'"2026-10-01T07:59:50.000+08:00","aq-1.co2","co2",999,"ppm","good",'
    assert size > 150_000_000
    assert peak < MAX_HEAP, f"peak Python heap {peak / 1e6:.1f} MB while streaming {size / 1e6:.0f} MB"
    assert peak < size / 10
