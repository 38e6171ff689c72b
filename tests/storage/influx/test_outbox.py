"""The outbox in the store's file: filled in the store's own transaction, taken from both ends, capped."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import SqliteStore
from storage.migrations import MIGRATIONS
from storage.outbox import Outbox
from tests.storage.helpers import SMALL, fill
from tests.storage.influx.readings import batch, keys


@pytest.fixture
async def outbox(outbox_store: SqliteStore) -> AsyncIterator[Outbox]:
    box = await Outbox.open(outbox_store.path)
    yield box
    await box.close()


async def test_a_reading_is_queued_exactly_when_it_is_stored(
    outbox_store: SqliteStore, outbox: Outbox
) -> None:
    readings = batch(0, 50)
    await outbox_store.write(readings)
    entries = await outbox.take(1000)
    assert [e.reading for e in entries] == readings
    assert (await outbox.depth()).depth == len(readings)


async def test_a_store_without_outbox_queues_nothing(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "a.db")
    try:
        await store.write(batch(0, 10))
        box = await Outbox.open(store.path)
        assert (await box.depth()).depth == 0
        await box.close()
    finally:
        await store.close()


async def test_a_failed_write_queues_nothing(tmp_path: Path) -> None:
    """Filled until full: the batch that did not fit is neither stored nor queued (one transaction)."""
    store = await SqliteStore.open(tmp_path / "full.db", max_bytes=SMALL, outbox=True)
    box = await Outbox.open(store.path)
    try:
        stored = await fill(store)
        assert stored > 0
        assert await store.count() == stored
        assert (await box.depth()).depth == stored
    finally:
        await box.close()
        await store.close()


async def test_take_mixes_the_oldest_and_the_newest(outbox_store: SqliteStore, outbox: Outbox) -> None:
    await outbox_store.write(batch(0, 100))  # 300 entries, ids 1…300
    entries = await outbox.take(8, 2)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5, 6, 7, 8, 299, 300]
    await outbox.ack([e.id for e in entries])
    again = await outbox.take(1000, 1000)
    assert [e.id for e in again] == list(range(9, 299))  # no repeats when the ends meet


async def test_a_purged_reading_comes_back_as_none(outbox_store: SqliteStore, outbox: Outbox) -> None:
    readings = batch(0, 10)
    await outbox_store.write(readings)
    await outbox_store.purge(readings[-1].ts + timedelta(seconds=1))
    entries = await outbox.take(100)
    assert len(entries) == len(readings)
    assert all(e.reading is None for e in entries)


async def test_trim_drops_beyond_the_count_and_the_age(outbox_store: SqliteStore, outbox: Outbox) -> None:
    old = batch(0, 100)  # an hour old
    await outbox_store.write(old)
    new = batch(1_000_000, 100)  # BASE + 10 000 s: in the future
    await outbox_store.write(new)
    assert await outbox.trim(10_000, int(time.time() * 1000) - 1000 * 3600 + 60_000) == len(old)
    assert await outbox.trim(120, 0) == len(new) - 120
    entries = await outbox.take(1000)
    assert keys([e.reading for e in entries if e.reading]) == keys(new[-120:])
    head = (await outbox.depth()).oldest_ts
    assert head == int(new[-120].ts.timestamp() * 1000)
    assert datetime.fromtimestamp(head / 1000, UTC) > datetime.now(UTC)


async def test_quarantine_keeps_the_line_and_why(outbox_store: SqliteStore, outbox: Outbox) -> None:
    await outbox_store.write(batch(0, 2))
    first, *_ = await outbox.take(10)
    await outbox.quarantine([(first.id, "air value=x 1")], 400, "unable to parse")
    assert (await outbox.depth()).depth == 5
    ((_, status, reason, line),) = await outbox.quarantined()
    assert (status, reason, line) == (400, "unable to parse", "air value=x 1")


async def test_a_file_of_the_previous_version_gets_an_outbox(tmp_path: Path) -> None:
    """A store written before the outbox existed (schema 1) opens with its readings and queues new ones."""
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO series (id, sensor, quantity) VALUES (1, 'aq-hall-1.co2', 'co2')")
        conn.execute("INSERT INTO readings VALUES (1, 1000, 500.0, 0, NULL)")
        conn.execute("PRAGMA user_version = 1")
    store = await SqliteStore.open(path, outbox=True)
    box = await Outbox.open(path)
    try:
        assert await store.count() == 1
        await store.write(batch(0, 1))
        assert (await box.depth()).depth == 3  # only what was written since; the old reading is not queued
    finally:
        await box.close()
        await store.close()
