"""Dashboard benchmark in a real browser: page load to the first meaningful paint, and trend draw times,
over a store seeded with 30 days × 50 sensors at 10-second resolution.

Run from the repository: `.venv/bin/python bench/dashboard_bench.py` (about 4 minutes, most of it
seeding 13 million readings; `--days` and `--devices` make it smaller). Needs Debian's chromium
(`make test` installs it). A site of 7 air-quality transmitters (49 sensors) and a light meter on a
simulated RS-485 line runs for real while Playwright drives headless Chromium over loopback HTTP.

- overview: `goto /` (signed in) until every zone tile is drawn with a current value;
- trend: `goto /trends?sensor=…&range=30d` until Plotly has drawn the traces (1 and 4 sensors).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from playwright.async_api import Page

from anjing.runtime import Runtime
from api.auth import Role
from config import Site, load_site
from config.catalog import build_catalog
from sensors import Reading
from storage import SqliteStore
from tests.dashboard.support import chromium, serve, sign_in
from tests.helpers import free_port, write_site

ROUNDS = 5
BATCH = 5000
PASSWORD = "timing-secret-2026"
DRAWN = (
    "([n, points]) => { const g = document.querySelector('#trend-graph .js-plotly-plot');"
    " return g && g.data && g.data.length >= 3 * n && g.data[2].x.length >= points; }"
)
PAINTED = "() => [...document.querySelectorAll('.kv-now')].some(e => /^[0-9]/.test(e.textContent))"


def site_file(folder: Path, devices: int) -> Path:
    lines = [
        f"  - {{id: aq-{i}, bus: line, address: {i}, profile: air-7in1, zone: z{i % 4}, poll: 1s}}"
        for i in range(1, devices + 1)
    ]
    zones = "\n".join(f"  - {{id: z{i}, name: 区域{i}, kind: office}}" for i in range(4))
    return write_site(
        folder,
        f"""
site: {{name: 基准测试中心, timezone: Asia/Shanghai}}
zones:
{zones}
buses:
  - {{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {free_port()}, timeout: 300ms, frame_gap: 5ms}}
devices:
{chr(10).join(lines)}
  - {{id: lux-1, bus: line, address: {devices + 1}, profile: lux-nhzd210, zone: z0, poll: 1s}}
storage: {{sqlite: {{path: data/bench.db}}}}
simulator: {{enabled: true, seed: 1}}
""",
    )


def history(site: Site, days: int) -> Iterator[list[Reading]]:
    """Every sensor every 10 s for `days`, ending now, in batches of BATCH."""
    infos = list(build_catalog(site).values())
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    batch: list[Reading] = []
    for k in range(days * 8640):
        ts = start + timedelta(seconds=10 * k)
        for j, info in enumerate(infos):
            batch.append(Reading(info.id, info.quantity, 50.0 + (k + 37 * j) % 500 / 10, ts))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def seed(site: Site, days: int) -> tuple[int, float]:
    store = await SqliteStore.open(site.resolve(site.config.storage.sqlite.path))
    began, count = time.perf_counter(), 0
    try:
        for batch in history(site, days):
            await store.write(batch)
            count += len(batch)
    finally:
        await store.close()
    return count, time.perf_counter() - began


async def timed(page: Page, url: str, wait: str, arg: object = None) -> float:
    began = time.perf_counter()
    await page.goto(url, wait_until="load")
    await page.wait_for_function(wait, arg=arg, timeout=120_000)
    return time.perf_counter() - began


async def main(days: int, devices: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = load_site(site_file(Path(folder), devices))
        sensors = [i.id for i in build_catalog(site).values()]
        count, seconds = await seed(site, days)
        print(f"seeded {count:,} readings ({len(sensors)} sensors × {days} days at 10 s) in {seconds:.0f} s")
        async with Runtime(site) as runtime, serve(runtime) as url, chromium() as browser:
            await runtime.auth.users.add("bench", Role.VIEWER, PASSWORD)
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            await sign_in(page, url, "bench", PASSWORD)
            await asyncio.sleep(3)  # every device polled: the tiles have values
            points = int(700 * min(days, 30) / 30)  # buckets holding data out of the ~800 of 30 days
            results = {
                "overview": [await timed(page, f"{url}/", PAINTED) for _ in range(ROUNDS)],
                "trend, 1 sensor × 30 d": [
                    await timed(page, f"{url}/trends?sensor={sensors[0]}&range=30d", DRAWN, [1, points])
                    for _ in range(ROUNDS)
                ],
                "trend, 4 sensors × 30 d": [
                    await timed(
                        page, f"{url}/trends?sensor={','.join(sensors[:4])}&range=30d", DRAWN, [4, points]
                    )
                    for _ in range(ROUNDS)
                ],
            }
    print(f"Python {platform.python_version()}, {platform.machine()}; {ROUNDS} rounds each (first is cold)")
    for name, times in results.items():
        print(
            f"{name}: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s, first {times[0]:.2f} s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--devices", type=int, default=7, help="air-quality transmitters (7 sensors each)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.days, arguments.devices))
