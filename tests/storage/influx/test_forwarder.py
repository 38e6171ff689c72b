"""The forwarder against real peers: VictoriaMetrics (influxdb-client's /api/v2/write, read back through its
export API), and a scripted HTTP peer on loopback for 429/503/500/400."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from config.influx import InfluxStorage
from sensors.catalog import SensorInfo
from storage import SqliteStore
from storage.influx import ForwarderState, InfluxForwarding
from tests.storage.influx.conftest import SITE, influx_config
from tests.storage.influx.readings import batch, keys, until
from tests.storage.influx.servers import Answer, ScriptedInflux, VictoriaMetrics


def forwarding(
    store: SqliteStore, config: InfluxStorage, catalog: Mapping[str, SensorInfo]
) -> InfluxForwarding:
    return InfluxForwarding(store.path, config, site=SITE, catalog=catalog)


async def drained(fwd: InfluxForwarding) -> bool:
    return (await fwd.outbox.depth()).depth == 0


async def test_every_reading_arrives_once_with_its_tags(
    outbox_store: SqliteStore, victoria: VictoriaMetrics, catalog: Mapping[str, SensorInfo]
) -> None:
    readings = batch(0, 1000)
    for start in range(0, len(readings), 500):
        await outbox_store.write(readings[start : start + 500])
    config = influx_config(victoria.url, batch_size=700)
    async with forwarding(outbox_store, config, catalog) as fwd:
        await until(lambda: drained(fwd), what="outbox drained")
        assert fwd.stats.sent == len(readings)
    points = victoria.points()
    assert sorted((labels["sensor"], ts) for labels, ts, _ in points) == sorted(keys(readings))
    co2 = next(labels for labels, ts, _ in points if labels["sensor"] == "aq-hall-1.co2")
    assert co2 == co2 | {
        "__name__": "air_quality_code",
        "site": SITE,
        "zone": "hall",
        "device": "aq-hall-1",
        "quantity": "co2",
        "unit": "ppm",
    }
    door = {
        labels["__name__"] for labels, _, _ in victoria.points(".*") if labels["sensor"] == "door-mon.door_1"
    }
    assert {"exits_value", "exits_quality_code"} <= door
    values = {(labels["sensor"], ts): v for labels, ts, v in victoria.points("air_value")}
    good = [r for r in readings if r.sensor == "aq-hall-1.co2" and r.value is not None]
    assert values == {(r.sensor, int(r.ts.timestamp() * 1000)): r.value for r in good}


async def test_outage_loses_nothing(
    outbox_store: SqliteStore, victoria: VictoriaMetrics, catalog: Mapping[str, SensorInfo]
) -> None:
    """The issue's 60 s outage, shortened to 3 s: the same path (refused connections, back-off, drain after).

    Readings keep coming (a steady 50 batches/s) before, during and after the outage; every one
    arrives at least once, and none is lost.
    """
    written: list[int] = [0]
    config = influx_config(victoria.url, batch_size=200, retry_max=0.5)

    async def produce(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await outbox_store.write(batch(written[0], 2))
            written[0] += 2
            await asyncio.sleep(0.02)

    async with forwarding(outbox_store, config, catalog) as fwd:
        await produce(1.0)
        victoria.stop()
        await produce(3.0)
        assert fwd.stats.state is ForwarderState.RETRYING
        assert fwd.stats.retried >= 2
        assert (await fwd.outbox.depth()).depth > 0
        victoria.start()
        await produce(1.0)
        await until(lambda: drained(fwd), what="outbox drained after the outage")
        await until(lambda: fwd.stats.state is ForwarderState.OK, what="state ok")
    got = {(labels["sensor"], ts) for labels, ts, _ in victoria.points()}
    assert got == keys(batch(0, written[0]))


async def test_bad_token_pauses_forwarding_and_keeps_everything(
    tmp_path: Path, outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    """A real 401 (VictoriaMetrics with -httpAuth.*): nothing is deleted; fixed credentials deliver all."""
    readings = batch(0, 100)
    await outbox_store.write(readings)
    guarded = VictoriaMetrics(tmp_path / "guarded", auth=("anjing", "secret"))
    guarded.start()
    try:
        config = influx_config(guarded.url, auth_retry=0.2)
        async with forwarding(outbox_store, config, catalog) as fwd:
            await until(lambda: fwd.stats.state is ForwarderState.AUTH_FAILED, what="auth_failed")
            await asyncio.sleep(0.5)
            assert fwd.stats.retried >= 2  # tried again every auth_retry
            assert "401" in (fwd.stats.last_error or "")
            assert (await fwd.outbox.depth()).depth == len(readings)
            assert fwd.stats.sent == 0
    finally:
        guarded.stop()
    fixed = VictoriaMetrics(tmp_path / "fixed")
    fixed.start()
    try:
        async with forwarding(outbox_store, influx_config(fixed.url), catalog) as fwd:
            await until(lambda: drained(fwd), what="outbox drained")
        assert {(labels["sensor"], ts) for labels, ts, _ in fixed.points()} == keys(readings)
    finally:
        fixed.stop()


def scripted(answers: list[Answer]) -> Callable[[list[str]], Answer]:
    """Give `answers` in turn, then accept everything."""
    pending = list(answers)
    return lambda lines: pending.pop(0) if pending else (204, {})


async def test_retry_after_is_honoured_on_429_and_503(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    readings = batch(0, 50)
    await outbox_store.write(readings)
    peer = ScriptedInflux(scripted([(429, {"Retry-After": "1"}), (503, {"Retry-After": "1"})]))
    try:
        async with forwarding(outbox_store, influx_config(peer.url), catalog) as fwd:
            await until(lambda: drained(fwd), what="outbox drained")
            assert fwd.stats.retried == 2
    finally:
        peer.close()
    (t1, s1), (t2, s2), (t3, s3) = peer.requests
    assert (s1, s2, s3) == (429, 503, 204)
    # retry_initial is 50 ms: only Retry-After makes the forwarder wait a whole second
    assert t2 - t1 >= 0.95
    assert t3 - t2 >= 0.95
    assert sorted(peer.accepted) == sorted(set(peer.accepted))
    assert len(peer.accepted) == len(readings)


async def test_server_errors_back_off_exponentially_with_jitter(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    await outbox_store.write(batch(0, 10))
    peer = ScriptedInflux(scripted([(500, {})] * 4))
    config = influx_config(peer.url, retry_initial=0.2, retry_max=10)
    try:
        async with forwarding(outbox_store, config, catalog) as fwd:
            await until(lambda: drained(fwd), what="outbox drained")
    finally:
        peer.close()
    times = [t for t, _ in peer.requests]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 4
    for n, gap in enumerate(gaps):
        ceiling = 0.2 * 2**n
        assert 0.5 * ceiling - 0.01 <= gap <= ceiling + 0.3, (n, gaps)  # slack: a busy machine


async def test_bad_data_quarantines_only_the_refused_lines(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    """A 400 for a batch is bisected down to its bad lines; the good ones all arrive."""
    readings = batch(0, 400)
    await outbox_store.write(readings)
    bad = {"aq-hall-1.co2": [5, 200, 377]}  # the 400 peer refuses these readings' lines

    def bad_line(line: str) -> bool:
        return any(
            f"sensor={s}" in line and f"value={i + 0.25} " in line for s, ii in bad.items() for i in ii
        )

    peer = ScriptedInflux(lambda lines: (400, {}) if any(map(bad_line, lines)) else (204, {}))
    try:
        async with forwarding(outbox_store, influx_config(peer.url, batch_size=1000), catalog) as fwd:
            await until(lambda: drained(fwd), what="outbox drained")
            assert fwd.stats.quarantined == 3
            assert fwd.stats.sent == len(readings) - 3
    finally:
        peer.close()
    assert len(peer.accepted) == len(set(peer.accepted)) == len(readings) - 3
    assert not any(map(bad_line, peer.accepted))
    with sqlite3.connect(outbox_store.path) as db:
        rows = db.execute("SELECT status, reason, line FROM outbox_quarantine").fetchall()
    assert len(rows) == 3
    assert all(status == 400 and "scripted" in reason and bad_line(line) for status, reason, line in rows)


async def test_caps_drop_the_oldest_and_count_them(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    """InfluxDB down, the outbox at its cap: the oldest go, counted; the store keeps every reading."""
    peer = ScriptedInflux(lambda lines: (503, {}))
    config = influx_config(peer.url, max_points=1000, growing_after=0.3)
    try:
        async with forwarding(outbox_store, config, catalog) as fwd:
            for start in range(0, 1000, 100):
                await outbox_store.write(batch(start, 100))
                await asyncio.sleep(0.12)
            await until(lambda: fwd.stats.dropped == 2000, what="2000 dropped")
            await until(lambda: fwd.stats.depth == 1000, what="depth at the cap")
            await until(lambda: not fwd.stats.growing, limit=3, what="no longer growing at the cap")
    finally:
        peer.close()
    assert await outbox_store.count() == 3000
    with sqlite3.connect(outbox_store.path) as db:
        kept = db.execute("SELECT COUNT(*), MIN(id), MAX(id) FROM outbox").fetchone()
    assert kept == (1000, 2001, 3000)  # the newest 1000, in queue order


async def test_an_outbox_that_keeps_growing_says_so(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    peer = ScriptedInflux(lambda lines: (503, {}))
    config = influx_config(peer.url, growing_after=0.5)
    try:
        async with forwarding(outbox_store, config, catalog) as fwd:
            for start in range(20):
                await outbox_store.write(batch(start * 10, 10))
                await asyncio.sleep(0.1)
            assert fwd.stats.growing is True
            assert fwd.stats.oldest_age is not None
            assert fwd.stats.oldest_age >= 3600
    finally:
        peer.close()


async def test_a_wrong_url_or_bucket_is_retried_never_quarantined(
    outbox_store: SqliteStore, catalog: Mapping[str, SensorInfo]
) -> None:
    """404 (no such bucket, or InfluxDB 1.7 without /api/v2) is a configuration fault: keep the data."""
    readings = batch(0, 20)
    await outbox_store.write(readings)
    peer = ScriptedInflux(scripted([(404, {}), (404, {})]))
    try:
        async with forwarding(outbox_store, influx_config(peer.url), catalog) as fwd:
            await until(lambda: drained(fwd), what="outbox drained")
            assert (fwd.stats.retried, fwd.stats.quarantined) == (2, 0)
    finally:
        peer.close()
    assert len(peer.accepted) == len(readings)
