"""The one bounded in-process stream of readings, from the collectors to the store writer.

Back-pressure is counted in readings: a producer's `put` waits while the stream is full, so a slow
disk slows the pollers instead of growing memory without bound. A batch larger than the whole
capacity is still accepted when the stream is empty, so nothing can wait forever.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence

from sensors import Reading


class StreamClosedError(RuntimeError):
    """`put` after `close`: the service is stopping and takes no new readings."""


class ReadingStream:
    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be ≥ 1")
        self.capacity = capacity
        self._items: deque[Reading] = deque()
        self._changed = asyncio.Condition()
        self._closed = False
        self._blocked = 0  # producers waiting for room
        self.accepted = 0  # readings ever put, for the shutdown report

    @property
    def pending(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    async def put(self, readings: Sequence[Reading]) -> None:
        """Append `readings`, waiting while the stream is full."""
        if not readings:
            return

        def room() -> bool:
            return self._closed or not self._items or len(self._items) + len(readings) <= self.capacity

        async with self._changed:
            if not room():
                self._blocked += 1
                self._changed.notify_all()  # a consumer waiting for a full batch takes what there is
                try:
                    await self._changed.wait_for(room)
                finally:
                    self._blocked -= 1
            if self._closed:
                raise StreamClosedError("reading stream is closed")
            self._items.extend(readings)
            self.accepted += len(readings)
            self._changed.notify_all()

    async def get(self, max_items: int, *, wait: float) -> list[Reading]:
        """Up to `max_items` readings, once that many are pending, a producer waits for room, the
        stream is closed, or `wait` seconds have passed; none if closed and empty.

        Waiting for a full batch lets the writer store readings in few large transactions, and keeps
        them meanwhile in the stream, where `pending` counts them and the capacity bounds them.
        """

        def ready() -> bool:
            return self._closed or self._blocked > 0 or len(self._items) >= min(max_items, self.capacity)

        async with self._changed:
            with contextlib.suppress(TimeoutError):  # then, with the lock held again, take what there is
                await asyncio.wait_for(self._changed.wait_for(ready), wait)
            batch = [self._items.popleft() for _ in range(min(max_items, len(self._items)))]
            self._changed.notify_all()
            return batch

    async def close(self) -> None:
        """Refuse new readings; what is pending stays for the consumer to drain."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()
