"""The retry and record stages for one channel: send what the queue holds, back off, fall back, log.

One worker per channel takes the notices that are due, oldest first. An ok deletes the notice in the
transaction that logs it; a refusal the channel calls recoverable (or a rate limit) reschedules it
with exponential back-off and jitter, never sooner than the provider's `retry_after`; an
unrecoverable refusal, or a notice older than `retry.give_up`, is logged as failed and dropped. After
`fallback.after` failed attempts of one notice the notifier sends it to the fallback receiver too.
A failing channel is logged once per failure streak, not once per attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from alerts.channels.base import Channel, Delivery
from alerts.notify.queue import NotifyQueue, Queued
from config.notify import Fallback, Retry

log = logging.getLogger("anjing.notify")

OUTCOMES = ("failed", "sent", "throttled")


class ChannelWorker:
    def __init__(
        self,
        channel: Channel,
        queue: NotifyQueue,
        retry: Retry,
        fallback: tuple[Fallback, Callable[[Queued], Awaitable[None]]] | None,
    ) -> None:
        self.channel = channel
        self.counts: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
        self._queue = queue
        self._retry = retry
        self._fallback = fallback
        self._wake = asyncio.Event()
        self._streak = 0  # consecutive failed attempts of this channel
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Leave `run` after the notice being sent, if any, is answered and logged: cancelled in flight,
        a notice the provider already took would be sent again after the restart."""
        self._stopping = True
        self._wake.set()

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Seconds until the next attempt after `attempts` + 1 failures: doubling, capped, jittered."""
        delay = min(self._retry.max, self._retry.initial * 2**attempts)
        return max(random.uniform(delay / 2, delay), retry_after or 0.0)

    async def run(self) -> None:
        """Until stopped or cancelled; a failing queue (the SQLite file) is retried, never ends the worker."""
        while not self._stopping:
            try:
                await self._round()
            except Exception:
                log.exception("通知队列失败 / the queue of channel %s failed", self.channel.id)
                await self._sleep(self._retry.max)

    async def _sleep(self, seconds: float | None) -> None:
        """Until `seconds` pass or `wake`/`stop` is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _round(self) -> None:
        """Send what is due, or wait for the next due time or a wake-up."""
        self._wake.clear()
        items = await self._queue.due(self.channel.id, time.time())
        for item in items:
            if self._stopping:
                return
            await self._attempt(item)
        if items or self._stopping:
            return
        due = await self._queue.next_due(self.channel.id)
        await self._sleep(None if due is None else max(0.0, due - time.time()))

    async def _attempt(self, item: Queued) -> None:
        try:
            delivery = await self.channel.send(item.notice)
        except Exception as exc:  # a channel should answer, not raise: treat it as a passing fault
            delivery = Delivery(ok=False, answer=f"{type(exc).__name__}: {exc}"[:300], recoverable=True)
        now = time.time()
        if delivery.ok:
            await self._queue.settle(item, delivery, "sent", now, retry_at=None)
            self.counts["sent"] += 1
            if self._streak:
                log.info(
                    "通知渠道恢复 / channel %s delivers again after %d failures",
                    self.channel.id,
                    self._streak,
                )
            self._streak = 0
            return
        outcome = "throttled" if delivery.throttled else "failed"
        retrying = (delivery.recoverable or delivery.throttled) and now - item.created < self._retry.give_up
        retry_at = now + self.backoff(item.attempts, delivery.retry_after) if retrying else None
        await self._queue.settle(item, delivery, outcome, now, retry_at=retry_at)
        self.counts[outcome] += 1
        if self._streak == 0:
            log.warning(
                "通知发送失败 / channel %s failed (%s)%s; logged once until it delivers again",
                self.channel.id,
                delivery.answer,
                "" if retrying else ", given up",
            )
        self._streak += 1
        if self._fallback is not None and not item.fallen_back:
            fallback, send = self._fallback
            if item.attempts + 1 >= fallback.after or retry_at is None:
                await send(item)
                if retry_at is not None:
                    await self._queue.mark_fallen_back(item)
