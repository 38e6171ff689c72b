"""`StoreWriter`: the one consumer of the reading stream, moving its readings into the store in batches.

A batch is written once `batch_size` readings are pending or `flush_interval` seconds have passed,
so a busy site is stored in few large transactions and a quiet one still within the interval.
A batch is never dropped. When the store fails (disk full, file locked or read-only) the writer keeps
the batch and retries it with capped exponential back-off; meanwhile the bounded stream fills up and
slows the collectors down instead of memory growing. It logs once when writing breaks and once when it
recovers. To stop without losing a reading, close the stream and await `run()`: it returns once
everything pending has been stored.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sensors import Reading
from storage.base import Store
from storage.errors import StoreClosedError, StoreError
from storage.stream import ReadingStream

log = logging.getLogger("anjing.storage.writer")


class StoreWriter:
    def __init__(
        self,
        stream: ReadingStream,
        store: Store,
        *,
        batch_size: int = 5000,
        flush_interval: float = 1.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 30.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be ≥ 1")
        if flush_interval <= 0 or retry_delay <= 0 or max_retry_delay < retry_delay:
            raise ValueError("flush_interval and retry_delay must be > 0, and max_retry_delay ≥ retry_delay")
        self._stream = stream
        self._store = store
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self.written = 0  # readings stored
        self.batches = 0  # write transactions that succeeded
        self.write_seconds = 0.0  # time those transactions took
        self.failures = 0  # write attempts that failed with a StoreError
        self.error: StoreError | None = None  # the failure being retried now, for health pages

    async def run(self) -> None:
        """Write batches until the stream is closed and empty.

        A `StoreError` is retried until it clears. `StoreClosedError`, which cannot clear, and any
        other exception (a bug) end the run.
        """
        while True:
            batch = await self._stream.get(self._batch_size, wait=self._flush_interval)
            if batch:
                await self._write(batch)
            elif self._stream.closed:  # closed and drained: `get` returns nothing only then, or on timeout
                return

    async def _write(self, batch: list[Reading]) -> None:
        delay = self._retry_delay
        failing_since: float | None = None
        while True:
            started = time.monotonic()
            try:
                await self._store.write(batch)
                self.write_seconds += time.monotonic() - started
                break
            except StoreClosedError:
                raise  # cannot clear: the store was closed before the writer finished
            except StoreError as exc:
                self.failures += 1
                self.error = exc
                if failing_since is None:
                    failing_since = time.monotonic()
                    log.error(
                        "写入存储失败，保留 %(n)d 条读数重试 / store write failed, retrying %(n)d readings: "
                        "%(error)s",
                        {"n": len(batch), "error": exc},
                    )
                else:
                    log.debug("store write failed again, retry in %.1f s: %s", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)
        self.written += len(batch)
        self.batches += 1
        self.error = None
        if failing_since is not None:
            log.info(
                "存储写入已恢复 / store writes recovered after %.1f s",
                time.monotonic() - failing_since,
            )
