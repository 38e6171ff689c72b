"""ReadingStream: order, batching, back-pressure and closing."""

from __future__ import annotations

import asyncio

import pytest

from storage import ReadingStream, StreamClosedError
from tests.storage.helpers import series


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_readings_come_out_in_order_in_batches_of_at_most_max_items() -> None:
    stream = ReadingStream(capacity=100)
    readings = series("co2-hall", 7)
    await stream.put(readings[:4])
    await stream.put(readings[4:])

    assert await stream.get(5, wait=30) == readings[:5]  # five are pending: no waiting
    assert await stream.get(5, wait=0.01) == readings[5:]  # what there is, once `wait` is over
    assert (stream.pending, stream.accepted) == (0, 7)


async def test_get_returns_nothing_after_waiting_on_an_empty_stream() -> None:
    stream = ReadingStream()

    assert await stream.get(10, wait=0.01) == []


async def test_get_waits_for_a_full_batch() -> None:
    stream = ReadingStream()
    getting = asyncio.create_task(stream.get(10, wait=30))
    await stream.put(series("a", 4))
    await settle()
    assert not getting.done()
    assert stream.pending == 4

    await stream.put(series("b", 6))

    assert len(await asyncio.wait_for(getting, 1)) == 10


async def test_get_takes_a_full_stream_at_once_even_below_max_items() -> None:
    stream = ReadingStream(capacity=10)
    await stream.put(series("a", 10))

    assert len(await asyncio.wait_for(stream.get(100, wait=30), 1)) == 10


async def test_a_producer_waiting_for_room_ends_the_wait_for_a_full_batch() -> None:
    stream = ReadingStream(capacity=10)
    await stream.put(series("a", 6))
    getting = asyncio.create_task(stream.get(100, wait=30))
    await settle()
    assert not getting.done()

    putting = asyncio.create_task(stream.put(series("b", 5)))  # 6 + 5 > 10: must wait

    assert len(await asyncio.wait_for(getting, 1)) == 6
    await asyncio.wait_for(putting, 1)
    assert stream.pending == 5


async def test_put_waits_while_the_stream_is_full_and_resumes_once_drained() -> None:
    stream = ReadingStream(capacity=10)
    await stream.put(series("a", 10))
    putting = asyncio.create_task(stream.put(series("b", 1)))
    await settle()
    assert not putting.done()
    assert stream.pending == 10

    assert len(await stream.get(1, wait=1)) == 1  # room for exactly one more

    await asyncio.wait_for(putting, 1)
    assert stream.pending == 10


async def test_a_batch_larger_than_the_capacity_waits_for_an_empty_stream_only() -> None:
    stream = ReadingStream(capacity=5)
    await stream.put(series("a", 1))
    putting = asyncio.create_task(stream.put(series("b", 8)))
    await settle()
    assert not putting.done()

    await stream.get(1, wait=1)

    await asyncio.wait_for(putting, 1)
    assert stream.pending == 8


async def test_closing_refuses_new_readings_but_keeps_the_pending_ones() -> None:
    stream = ReadingStream()
    await stream.put(series("a", 3))

    await stream.close()

    assert stream.closed
    with pytest.raises(StreamClosedError):
        await stream.put(series("b", 1))
    assert len(await stream.get(10, wait=1)) == 3
    assert await stream.get(10, wait=30) == []  # closed and empty: at once, no waiting


async def test_closing_wakes_a_blocked_producer_with_an_error() -> None:
    stream = ReadingStream(capacity=1)
    await stream.put(series("a", 1))
    putting = asyncio.create_task(stream.put(series("b", 1)))
    await settle()

    await stream.close()

    with pytest.raises(StreamClosedError):
        await asyncio.wait_for(putting, 1)


async def test_closing_wakes_a_waiting_consumer() -> None:
    stream = ReadingStream()
    getting = asyncio.create_task(stream.get(10, wait=30))
    await settle()

    await stream.close()

    assert await asyncio.wait_for(getting, 1) == []


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        ReadingStream(capacity=0)
