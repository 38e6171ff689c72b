"""Alert engine benchmark: evaluation cost per reading with ~500 sensors and every rule active, the
cost of one tick, and the latency from a reading reaching the store to its alert firing.

Run from the repository: `.venv/bin/python bench/alerts_bench.py` (well under a minute). It prints the
figures that bench/RESULTS.md quotes. The site is generated: devices carrying every quantity, in
zones of every room kind the catalog names (evacuation routes included, main power off so the
emergency-mode rules run too), so every rule of every shipped standard is bound somewhere.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from alerts import FeedingStore, Transition, build_engine
from config import Site, load_site
from config.catalog import build_catalog
from config.models import RoomKind
from config.standards import load_standards
from sensors import Quality, Quantity, Reading
from storage import SqliteStore

START = datetime(2026, 4, 15, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Wednesday: open
ROUNDS = 60  # readings per sensor (10 s apart)
_STATES = {
    Quantity.LAMP_STATE: "{0: normal, 1: emergency, 2: fault}",
    Quantity.BATTERY_STATE: "{0: ok, 1: fault}",
    Quantity.MAIN_POWER: '{0: "on", 1: "off"}',
    Quantity.DOOR_STATE: "{0: closed, 1: open, 2: fault}",
    Quantity.EXIT_BLOCKED: "{0: clear, 1: blocked}",
}


def write_site(folder: Path, devices: int) -> Path:
    profiles = folder / "profiles"
    profiles.mkdir()
    fields = [
        f"  - {{key: {q.value}, quantity: {q.value}, address: {i}"
        + (f", states: {_STATES[q]}}}" if q in _STATES else "}")
        for i, q in enumerate(Quantity)
    ]
    fields.append(
        f"  - {{key: illuminance_2, quantity: illuminance, address: {len(Quantity)}}}"
    )  # U0 needs two
    (profiles / "probe.yaml").write_text("id: probe\nname: probe\nfields:\n" + "\n".join(fields) + "\n")
    kinds = list(RoomKind)
    zones = [
        f"  - {{id: z{i}, name: z{i}, kind: {kind.value}, evacuation_route: {str(i % 2 == 1).lower()}}}"
        for i, kind in enumerate(kinds * 2)
    ]
    devs = [
        f"  - {{id: d{i}, bus: gw{i % 4}, address: {i // 4 + 1}, profile: probe, zone: z{i % len(zones)}, poll: 10s}}"
        for i in range(devices)
    ]
    buses = [f"  - {{id: gw{i}, transport: tcp, host: 127.0.0.1, port: {1502 + i}}}" for i in range(4)]
    path = folder / "site.yaml"
    path.write_text(
        "site: {name: bench, timezone: Asia/Shanghai}\nzones:\n" + "\n".join(zones) + "\nbuses:\n" + "\n".join(buses)
        + "\nprofile_dirs: [profiles]\ndevices:\n" + "\n".join(devs) + "\n"
    )  # fmt: skip
    return path


def value(quantity: Quantity, i: int) -> tuple[float, str | None]:
    if quantity is Quantity.MAIN_POWER:
        return 1.0, "off"
    if quantity.info.is_state:
        return 0.0, quantity.info.states[0]
    return 10.0 + (i % 7), None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_device = len(Quantity) + 1
        site = load_site(write_site(folder, 500 // per_device + 1))
        catalog = build_catalog(site)
        standards = load_standards()
        engine = build_engine(site, catalog, standards)
        bound_rules = {b.rule_id for b in engine.bindings.values() if b.rule is not None}
        all_rules = {f"{s.id}/{r.id}" for s in standards.values() for r in s.rules}
        sensors = list(catalog.values())
        batches = []
        for n in range(ROUNDS):
            ts = START + timedelta(seconds=10 * n)
            batch = []
            for i, info in enumerate(sensors):
                v, label = value(info.quantity, i + n)
                batch.append(Reading(info.id, info.quantity, v, ts, Quality.GOOD, label))
            batches.append(batch)
        began = time.perf_counter()
        for batch in batches:
            engine.feed(batch)
        fed = time.perf_counter() - began
        count = ROUNDS * len(sensors)
        ticks = []
        for n in range(20):
            t0 = time.perf_counter()
            engine.tick((START + timedelta(seconds=10 * ROUNDS + n)).timestamp())
            ticks.append(time.perf_counter() - t0)
        latency = asyncio.run(_latency(folder, site))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}")
    print(
        f"sensors: {len(sensors)}, alerts defined: {len(engine.bindings)}, rules bound: {len(bound_rules)}/{len(all_rules)}"
    )
    print(
        f"feed: {count} readings in {fed:.3f} s = {fed / count * 1e6:.1f} µs per reading ({count / fed:,.0f}/s)"
    )
    print(
        f"tick (every alert): median {statistics.median(ticks) * 1e3:.2f} ms, max {max(ticks) * 1e3:.2f} ms"
    )
    print(
        f"store write → firing (1 reading, real SQLite): median {statistics.median(latency) * 1e3:.2f} ms, "
        f"max {max(latency) * 1e3:.2f} ms over {len(latency)} alerts"
    )


async def _latency(folder: Path, site: Site) -> list[float]:
    """From FeedingStore.write(batch with a lamp fault) to the listener hearing `firing`."""
    catalog = build_catalog(site)
    engine = build_engine(site, catalog)
    heard: list[float] = []

    def listener(transition: Transition) -> None:
        if transition.state.value == "firing" and transition.rule.endswith("lamp-fault"):
            heard.append(time.perf_counter())

    engine.subscribe(listener)
    store = await SqliteStore.open(folder / "latency.db")

    def feed(batch: Sequence[Reading]) -> None:
        engine.feed(batch)

    feeding = FeedingStore(store, feed)
    lamps = [info for info in catalog.values() if info.quantity is Quantity.LAMP_STATE]
    out = []
    try:
        for n, lamp in enumerate(lamps):
            ts = START + timedelta(seconds=n)
            began = time.perf_counter()
            await feeding.write([Reading(lamp.id, lamp.quantity, 2.0, ts, Quality.GOOD, "fault")])
            out.append(heard[-1] - began)
    finally:
        await store.close()
    return out


if __name__ == "__main__":
    main()
