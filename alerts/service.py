"""The alert engine inside the running service: fed with what the store writer stored, ticked, persisted.

Readings reach the engine through `FeedingStore`, a `Store` that hands each batch to the engine once
the reading store has committed it: the stream keeps its one consumer, alerts are judged only on
readings that are in the system of record, and a failing store delays alerts rather than showing
ones the history cannot back. A tick loop evaluates timers and staleness every `alerting.tick`
seconds and records the transitions of the last tick in the `alert_*` tables.

At start the windows are refilled from the store's aggregates (its buckets align with ours) and the recorded states restored, so a
restart neither loses a one-hour mean nor announces an alert a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.engine import AlertEngine, window_lengths
from alerts.rules.window import BUCKETS
from alerts.selfcheck import ServiceCheck
from alerts.setup import build_bindings, build_engine
from alerts.silence import Silence, SilenceKind
from alerts.state import Transition
from alerts.store import AlertStore
from config.loader import Site
from sensors import Reading
from sensors.catalog import SensorInfo
from storage.base import Bucket, Store

log = logging.getLogger("anjing.alerts")


class FeedingStore:
    """A `Store` that passes every committed batch on to `on_stored`; everything else is the inner store's."""

    def __init__(self, inner: Store, on_stored: Callable[[Sequence[Reading]], None]) -> None:
        self._inner = inner
        self._on_stored = on_stored

    async def write(self, readings: Sequence[Reading]) -> None:
        await self._inner.write(readings)
        try:
            self._on_stored(readings)
        except Exception:  # the readings are stored: a fault in evaluating them must not stop the writer
            log.exception("告警评估失败 / evaluating %d stored readings failed", len(readings))

    async def latest(self, sensors: Collection[str] | None = None) -> list[Reading]:
        return await self._inner.latest(sensors)

    async def raw(self, sensor: str, start: datetime, end: datetime, *, limit: int = 10_000) -> list[Reading]:
        return await self._inner.raw(sensor, start, end, limit=limit)

    async def aggregate(self, sensor: str, start: datetime, end: datetime, every: float) -> list[Bucket]:
        return await self._inner.aggregate(sensor, start, end, every)

    async def purge(self, older_than: datetime) -> int:
        return await self._inner.purge(older_than)

    async def ping(self) -> None:
        await self._inner.ping()

    async def count(self) -> int:
        return await self._inner.count()

    async def close(self) -> None:
        await self._inner.close()


class AlertService:
    def __init__(
        self, site: Site, catalog: Mapping[str, SensorInfo], checks: Sequence[ServiceCheck] = ()
    ) -> None:
        self.site = site
        self.engine: AlertEngine = build_engine(site, catalog, checks=checks)
        self._checks = tuple(checks)
        self._unrecorded: list[Transition] = []
        self._store: AlertStore | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def store(self) -> AlertStore:
        if self._store is None:
            raise RuntimeError("alert service is not started")
        return self._store

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The evaluation loop, once started."""
        return self._task

    async def start(self, path: Path, readings: Store) -> None:
        """Open the alert tables in `path`, refill the windows from `readings`, restore, start ticking."""
        self._store = await AlertStore.open(path)
        now = time.time()
        for sensor, length, buckets in await _history(self.engine.windows(), readings, now):
            self.engine.load_window(sensor, length, buckets)
        self.engine.load_latest(await readings.latest())
        self.engine.restore(await self._store.statuses(), await self._store.silences(), now)
        self._task = asyncio.create_task(self._loop(), name="anjing.alerts")
        log.info("告警引擎已启动 / alert engine started: %d alerts defined", len(self.engine.bindings))

    async def reload(self, site: Site, catalog: Mapping[str, SensorInfo], readings: Store) -> None:
        """Rebind the engine to a reloaded site (`AlertEngine.rebind`: alerts that remain keep their state).

        A window a sensor did not have before is refilled from the store first, as at start; readings
        stored while that query runs are missing from it (a few seconds of an hour's mean).
        """
        bindings = await asyncio.to_thread(build_bindings, site, catalog, checks=self._checks)  # reads files
        have = self.engine.windows()
        wanted = {
            sensor: lengths - have.get(sensor, set())
            for sensor, lengths in window_lengths(bindings).items()
            if sensor in catalog
        }
        history = await _history(wanted, readings, time.time())
        self.site = site
        self._unrecorded.extend(self.engine.rebind(site, bindings, catalog, time.time()))
        for sensor, length, buckets in history:
            self.engine.load_window(sensor, length, buckets)
        await self.flush()
        log.info("告警引擎已重新加载 / alert engine reloaded: %d alerts defined", len(self.engine.bindings))

    def on_stored(self, readings: Sequence[Reading]) -> None:
        self._unrecorded.extend(self.engine.feed(readings))

    async def _loop(self) -> None:
        interval = self.site.config.alerting.tick
        while True:
            await asyncio.sleep(interval)
            now = time.time()
            self._unrecorded.extend(self.engine.tick(now))
            for check in self._checks:
                self._unrecorded.extend(self.engine.report(check.key, check.probe(), now))
            await self.flush()

    async def flush(self) -> None:
        """Record the transitions not yet recorded (a failed write keeps them for the next try)."""
        async with self._lock:
            batch, self._unrecorded = self._unrecorded, []
            try:
                await self.store.record(batch, {t.key: self.engine.status(t.key) for t in batch})
            except Exception:
                self._unrecorded[:0] = batch
                log.exception("告警记录失败 / recording %d alert transitions failed", len(batch))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._store is not None:
            await self.flush()
            await self._store.close()

    async def acknowledge(self, key: str, user: str, comment: str) -> Transition:
        """Acknowledge a firing alert as `user`; AlertError if it is unknown or not firing."""
        transition = self.engine.acknowledge(key, user, comment, time.time())
        self._unrecorded.append(transition)
        await self.flush()
        return transition

    async def silence(
        self,
        matchers: dict[str, str],
        *,
        start: float,
        end: float,
        reason: str,
        user: str,
        kind: SilenceKind = SilenceKind.SILENCE,
    ) -> Silence:
        silence = Silence(uuid.uuid4().hex[:12], matchers, start, end, reason, user, time.time(), kind)
        await self.store.save_silence(silence)
        self.engine.add_silence(silence)
        return silence

    async def expire(self, ident: str) -> Silence:
        silence = self.engine.expire_silence(ident, time.time())
        await self.store.save_silence(silence)
        return silence


async def _history(
    windows: Mapping[str, Collection[float]], readings: Store, now: float
) -> list[tuple[str, float, list[tuple[float, float, int]]]]:
    """Each (sensor, window length)'s stored aggregates up to `now`, in the window's own buckets."""
    end = datetime.fromtimestamp(now, UTC)
    out = []
    for sensor, lengths in windows.items():
        for length in lengths:
            if length <= 0:
                continue  # the last value: no window
            buckets = await readings.aggregate(sensor, end - timedelta(seconds=length), end, length / BUCKETS)
            sums = [(b.start.timestamp(), b.mean * b.count, b.count) for b in buckets if b.mean is not None]
            out.append((sensor, length, sums))
    return out
