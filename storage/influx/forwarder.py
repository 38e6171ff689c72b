"""`Forwarder`: ships the outbox to InfluxDB, at least once, oldest first with live readings interleaved.

Each batch takes most of its lines from the head of the outbox and a share (`live_share`) from the
tail, so a backlog after an outage drains oldest first while live readings keep arriving; `max_rate`
caps the points per second, so that the drain does not flood InfluxDB. An entry leaves the outbox only
after a 2xx. On a 5xx, a timeout or a refused connection the batch stays and is retried with
exponential back-off and jitter; a 429/503 `Retry-After` is honoured as given. A 4xx for bad data
splits the batch in halves until the refused lines are isolated; those are quarantined (kept in the
file, with the answer), counted and logged, and the rest goes through. A 401/403 pauses forwarding
with a loud error until the credentials work again (retried every `auth_retry`); nothing is dropped
meanwhile. The outbox is capped (`max_points`, `max_age`): beyond, the oldest entries are dropped,
counted, and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from config.influx import InfluxStorage
from storage.errors import StoreError
from storage.influx.errors import InfluxAuthError, InfluxError, InfluxRejectedError, InfluxUnavailableError
from storage.influx.schema import Schema
from storage.influx.sender import InfluxSender
from storage.outbox import Outbox

log = logging.getLogger("anjing.storage.influx")

MAINTAIN_INTERVAL = 1.0  # seconds between two looks at the outbox's depth and caps, at least …
MAINTAIN_SHARE = 0.05  # … so that these scans of a deep outbox take at most this share of the time
IDLE_WAIT = 0.5  # seconds between two looks at an empty outbox


class ForwarderState(StrEnum):
    STARTING = "starting"
    OK = "ok"  # the last write was acknowledged, or there was nothing to send
    RETRYING = "retrying"  # InfluxDB unavailable: backing off
    AUTH_FAILED = "auth_failed"  # 401/403: paused until the credentials work
    STOPPED = "stopped"


@dataclass(slots=True)
class OutboxStats:
    """The outbox and its forwarder, for `/healthz`, `/api/v1/outbox`, `/metrics` and alert rules.

    `growing` is the alert signal: the outbox is deeper now than `growing_after` seconds ago.
    """

    state: ForwarderState = ForwarderState.STARTING
    depth: int = 0
    oldest_age: float | None = None  # seconds since the head entry's reading was taken
    sent: int = 0  # points acknowledged by InfluxDB since start
    retried: int = 0  # write requests that failed and are retried
    quarantined: int = 0  # lines InfluxDB refused as bad data
    dropped: int = 0  # entries given up: beyond the caps, or no longer in the store
    growing: bool = False
    last_error: str | None = None


class Forwarder:
    def __init__(self, outbox: Outbox, sender: InfluxSender, schema: Schema, config: InfluxStorage) -> None:
        self._outbox = outbox
        self._sender = sender
        self._schema = schema
        self._config = config
        self.stats = OutboxStats()
        self._stopping = asyncio.Event()
        self._history: deque[tuple[float, int]] = deque()  # (monotonic, depth) over `growing_after`
        self._next_maintain = 0.0
        self._failures = 0  # consecutive failed writes, for the back-off
        self._failing_since: float | None = None

    def stop(self) -> None:
        """Ask `run` to return after the request in flight, if any (the outbox keeps everything)."""
        self._stopping.set()

    async def run(self) -> None:
        """Forward until `stop()`."""
        config = self._config
        live = int(config.batch_size * config.live_share)
        try:
            while not self._stopping.is_set():
                try:
                    await self._maintain()
                    entries = await self._outbox.take(config.batch_size - live, live)
                    if not entries:
                        self._recovered()
                        await self._sleep(IDLE_WAIT)
                        continue
                    started = time.monotonic()
                    gone = [e.id for e in entries if e.reading is None]
                    if gone:
                        await self._outbox.ack(gone)
                        self.stats.dropped += len(gone)
                    items = [(e.id, self._schema.line(e.reading)) for e in entries if e.reading is not None]
                    await self._ship(items)
                except InfluxAuthError as exc:
                    self._failed(exc, ForwarderState.AUTH_FAILED)
                    await self._sleep(config.auth_retry)
                    continue
                except (InfluxUnavailableError, StoreError) as exc:  # the outbox file busy or full: the same
                    self._failed(exc, ForwarderState.RETRYING)
                    await self._sleep(self._delay(getattr(exc, "retry_after", None)))
                    continue
                self._recovered()
                await self._sleep(len(items) / config.max_rate - (time.monotonic() - started))
        finally:
            self.stats.state = ForwarderState.STOPPED

    async def _ship(self, items: list[tuple[int, str]]) -> None:
        """Write `items`; on refused data, bisect to quarantine just the refused lines."""
        if not items:
            return
        try:
            await asyncio.to_thread(self._sender.write, [line for _, line in items])
        except InfluxRejectedError as exc:
            if len(items) > 1:
                half = len(items) // 2
                await self._ship(items[:half])
                await self._ship(items[half:])
                return
            await self._outbox.quarantine(items, exc.status or 0, exc.detail)
            self.stats.quarantined += 1
            log.warning(
                "InfluxDB 拒收一行，已隔离 / InfluxDB refused a line, quarantined: %s — line: %s",
                exc,
                items[0][1],
            )
            return
        await self._outbox.ack([ident for ident, _ in items])
        self.stats.sent += len(items)

    async def _maintain(self) -> None:
        """Every MAINTAIN_INTERVAL or less often: apply the caps, refresh depth, oldest age and `growing`."""
        now = time.monotonic()
        if now < self._next_maintain:
            return
        config = self._config
        cutoff = int((time.time() - config.max_age) * 1000)
        dropped = await self._outbox.trim(config.max_points, cutoff)
        if dropped:
            self.stats.dropped += dropped
            log.error(
                "发件箱已满，丢弃最旧的 %(n)d 条待转发读数（本地存储仍保留）/ outbox cap reached: dropped the "
                "%(n)d oldest readings from forwarding (they stay in the local store)",
                {"n": dropped},
            )
        depth = await self._outbox.depth()
        self.stats.depth = depth.depth
        self.stats.oldest_age = (
            None if depth.oldest_ts is None else max(0.0, time.time() - depth.oldest_ts / 1000)
        )
        history = self._history
        history.append((now, depth.depth))
        while len(history) > 1 and now - history[1][0] >= config.growing_after:
            history.popleft()
        self.stats.growing = now - history[0][0] >= config.growing_after and depth.depth > history[0][1]
        took = time.monotonic() - now
        self._next_maintain = now + max(MAINTAIN_INTERVAL, took / MAINTAIN_SHARE)

    def _delay(self, retry_after: float | None) -> float:
        """The server's Retry-After when given, else exponential back-off with jitter (50–100 %)."""
        config = self._config
        if retry_after is not None:
            return min(retry_after, config.retry_max)
        ceiling = min(config.retry_max, config.retry_initial * 2.0 ** min(self._failures - 1, 30))
        return ceiling * random.uniform(0.5, 1.0)

    def _failed(self, exc: InfluxError | StoreError, state: ForwarderState) -> None:
        self._failures += 1
        self.stats.retried += 1
        self.stats.last_error = str(exc)
        if self.stats.state != state:
            level = logging.CRITICAL if state is ForwarderState.AUTH_FAILED else logging.ERROR
            log.log(level, "%s（读数保留在发件箱 / readings stay in the outbox）", exc)
        else:
            log.debug("InfluxDB write failed again: %s", exc)
        if self._failing_since is None:
            self._failing_since = time.monotonic()
        self.stats.state = state

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.info(
                "InfluxDB 转发已恢复 / InfluxDB forwarding recovered after %.1f s",
                time.monotonic() - self._failing_since,
            )
        self._failing_since = None
        self._failures = 0
        self.stats.state = ForwarderState.OK
        self.stats.last_error = None

    async def _sleep(self, seconds: float) -> None:
        """Wait, unless stopped; a long back-off still applies the caps and refreshes the stats."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), min(left, MAINTAIN_INTERVAL))
            try:
                await self._maintain()
            except StoreError as exc:  # the loop retries it, and says so
                log.debug("outbox maintenance failed: %s", exc)
