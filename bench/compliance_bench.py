"""Monthly compliance report benchmark: time and peak memory to build the report of the demo site and
render it as XLSX, PDF and CSV, over a month of 10-second readings of every sensor the report reads.

Run from the repository: `.venv/bin/python bench/compliance_bench.py` (about 3 minutes, most of it
seeding; `--days` makes it smaller). The demo site (config/examples/demo-site.yaml) is loaded as
shipped, its store moved to a temporary folder; October 2026 is seeded for every sensor a windowed
limit reads (air, temperature and humidity, lux), every 10 s. Each step is timed (and the process's maximum
resident set size read) once, then run again under tracemalloc for its peak of Python allocations.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from alerts.setup import build_bindings
from compliance import MonthlyReport, build_report, month_period, open_sources, render
from compliance.windows import reportable
from config import Site, load_site
from config.catalog import build_catalog
from config.compliance import ReportFormat
from sensors import Reading
from storage import SqliteStore

DEMO = Path(__file__).resolve().parents[1] / "config/examples/demo-site.yaml"
MONTH = "2026-10"
BATCH = 5000
T = TypeVar("T")


def moved(site: Site, folder: Path) -> Site:
    """The demo site with its SQLite file in `folder`."""
    storage = site.config.storage
    sqlite = storage.sqlite.model_copy(update={"path": folder / "bench.db"})
    config = site.config.model_copy(update={"storage": storage.model_copy(update={"sqlite": sqlite})})
    return dataclasses.replace(site, config=config)


def history(site: Site, sensors: list[str], start: datetime, days: int) -> Iterator[list[Reading]]:
    catalog = build_catalog(site)
    batch: list[Reading] = []
    for k in range(days * 8640):
        ts = start + timedelta(seconds=10 * k)
        for j, sensor in enumerate(sensors):
            info = catalog[sensor]
            batch.append(Reading(sensor, info.quantity, 50.0 + (k + 37 * j) % 500 / 10, ts))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def max_rss() -> float:
    """The process's maximum resident set size so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measured(step: Callable[[], Awaitable[T]]) -> tuple[T, float, float, float]:
    """(result, seconds, max RSS after the plain run, peak MiB of Python allocations): timed once plain,
    then run again under tracemalloc (which slows Python several times over, so it never times)."""
    began = time.perf_counter()
    result = await step()
    seconds, rss = time.perf_counter() - began, max_rss()
    tracemalloc.start()
    try:
        await step()
        return result, seconds, rss, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def main(days: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = moved(load_site(DEMO), Path(folder))
        period = month_period(MONTH, site.config.site.tz)
        bindings = build_bindings(site, build_catalog(site))
        sensors = sorted({s for b in bindings if reportable(b) for s in b.sensors})
        store = await SqliteStore.open(site.resolve(site.config.storage.sqlite.path))
        began, count = time.perf_counter(), 0
        try:
            for batch in history(site, sensors, period.start, days):
                await store.write(batch)
                count += len(batch)
        finally:
            await store.close()
        seeded = time.perf_counter() - began
        print(f"seeded {count:,} readings ({len(sensors)} sensors × {days} days at 10 s) in {seeded:.0f} s")
        print(f"max RSS after seeding: {max_rss():.0f} MiB")

        async def build() -> MonthlyReport:
            async with open_sources(site) as sources:
                return await build_report(sources, period)

        report, seconds, rss, peak = await measured(build)
        rows = len(report.environment) + len(report.lighting)
        print(f"Python {platform.python_version()}, {platform.machine()}")
        print(
            f"build: {seconds:.2f} s, Python peak {peak:.1f} MiB, max RSS {rss:.0f} MiB"
            f" ({rows} parameter rows, {len(report.zones)} zones)"
        )
        for fmt in ReportFormat:

            async def draw(fmt: ReportFormat = fmt) -> int:
                return len(render(report, fmt).content)

            size, seconds, rss, peak = await measured(draw)
            print(
                f"{fmt.value}: {seconds:.2f} s, Python peak {peak:.1f} MiB, max RSS {rss:.0f} MiB, {size / 1024:.0f} KiB"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=31, help="days of October 2026 to seed (default 31)")
    asyncio.run(main(parser.parse_args().days))
