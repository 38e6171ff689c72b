"""SqliteStore against real files: what is written comes back, through each query of the Store protocol."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sensors import Quality, Quantity, Reading
from storage import Bucket, SqliteStore, StoreClosedError
from storage.migrations import SCHEMA_VERSION
from tests.storage.helpers import T0, at, reading, series


async def test_latest_is_the_newest_reading_of_each_sensor(store: SqliteStore) -> None:
    await store.write(series("co2-hall", 5) + series("co2-office", 3))

    latest = await store.latest()

    assert [(r.sensor, r.value, r.ts) for r in latest] == [
        ("co2-hall", 4.0, at(40)),
        ("co2-office", 2.0, at(20)),
    ]


async def test_latest_ignores_an_older_reading_arriving_late(store: SqliteStore) -> None:
    await store.write([reading(100, 5.0)])
    await store.write([reading(50, 9.0), reading(60, 8.0)])

    (latest,) = await store.latest()

    assert (latest.value, latest.ts) == (5.0, at(100))
    assert await store.count() == 3


async def test_latest_of_chosen_sensors(store: SqliteStore) -> None:
    await store.write(series("a", 1) + series("b", 1) + series("c", 1))

    assert [r.sensor for r in await store.latest(["c", "a", "unknown"])] == ["a", "c"]
    assert await store.latest([]) == []


async def test_raw_range_includes_start_and_excludes_end(store: SqliteStore) -> None:
    await store.write(series("co2-hall", 5))  # at 0, 10, 20, 30, 40 s

    raw = await store.raw("co2-hall", at(10), at(30))

    assert [r.ts for r in raw] == [at(10), at(20)]
    assert [r.ts for r in await store.raw("co2-hall", at(0), at(50), limit=2)] == [at(0), at(10)]
    assert await store.raw("co2-hall", at(0), at(50), limit=0) == []
    assert await store.raw("unknown", at(0), at(50)) == []


async def test_timestamps_keep_milliseconds_and_come_back_in_utc(store: SqliteStore) -> None:
    beijing = timezone(timedelta(hours=8))
    sent = datetime(2024, 1, 1, 8, 0, 0, 123_456, tzinfo=beijing)
    await store.write([Reading("co2-hall", Quantity.CO2, 1.0, sent)])

    (back,) = await store.raw("co2-hall", at(-1), at(1))

    assert back.ts == datetime(2024, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC)
    assert back.ts.tzinfo is UTC


async def test_naive_query_times_are_refused(store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.raw("co2-hall", datetime(2024, 1, 1), at(10))
    assert await store.count() == 0


async def test_states_round_trip(store: SqliteStore) -> None:
    door = [
        reading(0, 0.0, sensor="door-1", quantity=Quantity.DOOR_STATE, state="closed"),
        reading(10, 1.0, sensor="door-1", quantity=Quantity.DOOR_STATE, state="open"),
    ]
    await store.write(door)

    assert await store.raw("door-1", at(0), at(60)) == door
    assert await store.latest(["door-1"]) == door[1:]


async def test_bad_readings_keep_their_quality_and_no_value(store: SqliteStore) -> None:
    bad = reading(0, None, quality=Quality.BAD)
    stale = reading(10, 3.0, quality=Quality.STALE)
    await store.write([bad, stale])

    assert await store.raw("co2-hall", at(0), at(60)) == [bad, stale]


async def test_a_reading_written_again_replaces_the_stored_one(store: SqliteStore) -> None:
    await store.write([reading(0, 1.0)])
    await store.write([reading(0, 2.0)])
    await store.write([reading(10, 3.0), reading(10, 4.0)])  # a duplicate in one batch: the later wins

    assert [r.value for r in await store.raw("co2-hall", at(0), at(60))] == [2.0, 4.0]
    assert [r.value for r in await store.latest()] == [4.0]
    assert await store.count() == 2


async def test_aggregate_buckets_by_hand(store: SqliteStore) -> None:
    await store.write(
        [
            # bucket [0, 60): three good, two others; the newest reading is not good
            reading(0, 10.0),
            reading(10, 20.0),
            reading(20, None, quality=Quality.BAD),
            reading(30, 30.0),
            reading(50, 999.0, quality=Quality.OUT_OF_RANGE),
            # [60, 120) is empty
            reading(125, 5.0),
            reading(170, 7.5),
            reading(200, None, quality=Quality.BAD),
            reading(240, 1.0),  # at `end`: outside
        ]
    )

    buckets = await store.aggregate("co2-hall", at(0), at(240), 60)

    assert buckets == [
        Bucket(at(0), count=3, bad=2, mean=20.0, min=10.0, max=30.0, last=30.0),
        Bucket(at(120), count=2, bad=0, mean=6.25, min=5.0, max=7.5, last=7.5),
        Bucket(at(180), count=0, bad=1, mean=None, min=None, max=None, last=None),
    ]


async def test_aggregate_buckets_are_aligned_to_the_epoch_not_to_start(store: SqliteStore) -> None:
    assert T0.timestamp() % 7 == 3  # so 7 s buckets start 3 s before T0, then at 4 s, 11 s, …
    await store.write(series("co2-hall", 30, step=1.0))  # one reading a second, 0 … 29 s

    buckets = await store.aggregate("co2-hall", at(1.5), at(30), 7)

    assert [(b.start, b.count) for b in buckets] == [
        (at(-3), 2),
        (at(4), 7),
        (at(11), 7),
        (at(18), 7),
        (at(25), 5),
    ]


async def test_aggregate_of_an_unknown_sensor_is_empty(store: SqliteStore) -> None:
    assert await store.aggregate("unknown", at(0), at(60), 60) == []


async def test_purge_deletes_older_readings_and_their_latest(store: SqliteStore) -> None:
    await store.write(series("old", 3) + series("both", 6))  # at 0 … 20 s and 0 … 50 s

    deleted = await store.purge(at(30))

    assert deleted == 3 + 3
    assert [r.ts for r in await store.raw("both", at(0), at(60))] == [at(30), at(40), at(50)]
    assert [r.sensor for r in await store.latest()] == ["both"]


async def test_retention_purges_at_the_first_write_after_opening(tmp_path: Path) -> None:
    path = tmp_path / "anjing.db"
    now = datetime.now(UTC)
    store = await SqliteStore.open(path)
    old = Reading("old", Quantity.CO2, 1.0, now - timedelta(days=40))
    recent = Reading("recent", Quantity.CO2, 2.0, now - timedelta(days=1))
    await store.write([old, recent])
    await store.close()

    store = await SqliteStore.open(path, retention_days=30)
    try:
        await store.write([Reading("recent", Quantity.CO2, 3.0, now)])
        assert await store.count() == 2
        assert [r.sensor for r in await store.latest()] == ["recent"]
    finally:
        await store.close()


async def test_reopening_finds_everything_written(tmp_path: Path) -> None:
    path = tmp_path / "anjing.db"
    store = await SqliteStore.open(path)
    await store.write(series("co2-hall", 100) + series("co2-office", 10))
    await store.close()

    store = await SqliteStore.open(path)
    try:
        assert await store.count() == 110
        assert [(r.sensor, r.value) for r in await store.latest()] == [
            ("co2-hall", 99.0),
            ("co2-office", 9.0),
        ]
        await store.write([reading(1000, 7.0, sensor="co2-office")])  # series ids still line up
        assert [r.value for r in await store.raw("co2-office", at(990), at(2000))] == [7.0]
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "anjing.db")
    await store.close()
    await store.close()  # twice is harmless

    with pytest.raises(StoreClosedError, match=r"anjing\.db"):
        await store.write([reading(0)])
    with pytest.raises(StoreClosedError):
        await store.latest()
