"""StoreWriter: drains the stream into a real store, and loses nothing when the store fails for a while."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from sensors import Quality, Quantity, Reading
from storage import ReadingStream, SqliteStore, StoreClosedError, StoreFullError, StoreWriter
from tests.storage.helpers import SMALL, at, fill, series


async def until(condition: Callable[[], bool]) -> None:
    """Poll `condition` for up to 5 s: the writer's counters have no event to wait on."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def test_closing_the_stream_drains_everything_pending(store: SqliteStore) -> None:
    stream = ReadingStream(capacity=20_000)
    for sensor in range(12):
        await stream.put(series(f"s{sensor}", 1000))
    await stream.close()
    writer = StoreWriter(stream, store, batch_size=5000, flush_interval=0.01)

    await asyncio.wait_for(writer.run(), 10)

    assert await store.count() == writer.written == 12_000
    assert (stream.pending, writer.failures) == (0, 0)


async def test_producers_blocked_by_a_full_stream_go_on_as_the_writer_drains(store: SqliteStore) -> None:
    stream = ReadingStream(capacity=100)
    await stream.put(series("first", 100))

    async def produce(sensor: str) -> None:
        for batch in range(10):
            await stream.put(series(sensor, 40, start=batch * 400))

    producing = asyncio.gather(produce("a"), produce("b"), produce("c"))
    await asyncio.sleep(0.02)
    assert not producing.done()  # the stream is full and nobody drains it
    assert stream.pending == 100

    writer = StoreWriter(stream, store, batch_size=30, flush_interval=0.01)
    writing = asyncio.create_task(writer.run())
    await asyncio.wait_for(producing, 10)
    await stream.close()
    await asyncio.wait_for(writing, 10)

    assert await store.count() == writer.written == 100 + 3 * 10 * 40


async def test_an_idle_writer_waits_for_readings_then_stops_when_closed(store: SqliteStore) -> None:
    stream = ReadingStream()
    writer = StoreWriter(stream, store, flush_interval=0.01)
    writing = asyncio.create_task(writer.run())
    await asyncio.sleep(0.05)  # several empty waits
    assert not writing.done()

    await stream.put(series("a", 3))
    await until(lambda: writer.written == 3)
    await stream.close()

    await asyncio.wait_for(writing, 1)


async def test_readings_wait_in_the_stream_for_a_full_batch_or_the_flush_interval(store: SqliteStore) -> None:
    stream = ReadingStream()
    writer = StoreWriter(stream, store, batch_size=100, flush_interval=30)
    writing = asyncio.create_task(writer.run())
    await stream.put(series("a", 60))
    await asyncio.sleep(0.02)
    assert (stream.pending, writer.written) == (60, 0)

    await stream.put(series("b", 60))  # a full batch is pending
    await until(lambda: writer.written == 100)
    assert stream.pending == 20

    await stream.close()  # the rest goes at once, not after 30 s
    await asyncio.wait_for(writing, 1)
    assert await store.count() == 120


async def test_a_failing_store_is_retried_until_it_recovers_and_nothing_is_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="anjing.storage")
    store = await SqliteStore.open(tmp_path / "anjing.db", max_bytes=SMALL)
    try:
        old = await fill(store)
        stream = ReadingStream()
        writer = StoreWriter(stream, store, flush_interval=0.01, retry_delay=0.005, max_retry_delay=0.02)
        writing = asyncio.create_task(writer.run())
        await stream.put(series("new", 500, start=10**9))
        await stream.close()

        await until(lambda: writer.failures >= 3)  # the disk is full: the batch is kept and retried
        assert not writing.done()
        assert await store.count() == old

        assert await store.purge(at(10**9)) == old  # the operator frees space
        await asyncio.wait_for(writing, 5)

        assert await store.count() == writer.written == 500
    finally:
        await store.close()
    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "anjing.storage.writer"]
    errors = [m for level, m in messages if level >= logging.ERROR]
    recoveries = [m for level, m in messages if level == logging.INFO]
    assert len(errors) == 1
    assert "500" in errors[0]
    assert StoreFullError.zh in errors[0]
    assert len(recoveries) == 1
    assert "recovered" in recoveries[0]


async def test_a_bug_in_a_batch_ends_the_run_instead_of_retrying_forever(store: SqliteStore) -> None:
    stream = ReadingStream()
    await stream.put(
        [Reading("a", Quantity.CO2, 1.0, datetime(2024, 1, 1, tzinfo=UTC), cast(Quality, "weird"))]
    )
    writer = StoreWriter(stream, store, flush_interval=0.01)

    with pytest.raises(KeyError, match="weird"):
        await asyncio.wait_for(writer.run(), 1)
    assert writer.failures == 0


async def test_a_store_closed_under_the_writer_ends_the_run(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "anjing.db")
    await store.close()
    stream = ReadingStream()
    await stream.put(series("a", 1))
    writer = StoreWriter(stream, store, flush_interval=0.01)

    with pytest.raises(StoreClosedError):
        await asyncio.wait_for(writer.run(), 1)


@pytest.mark.parametrize(
    "options",
    [{"batch_size": 0}, {"flush_interval": 0}, {"retry_delay": 0}, {"retry_delay": 2, "max_retry_delay": 1}],
)
async def test_options_are_checked(store: SqliteStore, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        StoreWriter(ReadingStream(), store, **options)
