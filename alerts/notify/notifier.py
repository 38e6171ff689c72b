"""The notification pipeline in the running service: engine transitions in, deliveries out.

`Notifier` subscribes to the engine and hands each non-muted firing, acknowledged or resolved
transition to the `Dispatcher` (routes, groups; the wait stage). Its loop turns due messages into one
notice per receiver and channel (rota and quiet hours resolved, rendered in the receiver's language)
and puts them in the persistent queue (dedup stage: a notice's id is enqueued once); one
`ChannelWorker` per channel sends them (retry stage) and logs every attempt (record stage).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from alerts.channels import ChannelConfig, build_channel
from alerts.channels.base import Channel
from alerts.engine import AlertEngine
from alerts.notify.dispatch import Dispatcher, Message
from alerts.notify.queue import NotifyQueue, Queued
from alerts.notify.receivers import Directory
from alerts.notify.render import Renderer
from alerts.notify.retry import ChannelWorker
from alerts.state import AlertState, Transition
from alerts.store import AlertStore
from config.loader import Site
from config.models import Zone
from config.notify import Notify, Receiver

log = logging.getLogger("anjing.notify")

STOP_GRACE = 5.0  # seconds a send in flight at shutdown may take to be answered and logged
_TOLD = {AlertState.FIRING, AlertState.ACKNOWLEDGED, AlertState.RESOLVED}


def notice_id(dedup: str) -> str:
    """A notice's public id: stable for its queue entry, opaque (the group key names zones and rules)."""
    return hashlib.sha256(dedup.encode()).hexdigest()[:24]


def build_channels(config: Notify) -> dict[str, Channel]:
    """The configured channels (already checked at load time by `config.notify.check_notify`)."""
    adapter: TypeAdapter[Any] = TypeAdapter(ChannelConfig)
    channels = [build_channel(adapter.validate_python(raw)) for raw in config.channels]
    return {channel.id: channel for channel in channels}


class Notifier:
    def __init__(self, site: Site, config: Notify, engine: AlertEngine) -> None:
        self._config = config
        self._engine = engine
        tz = site.config.site.tz
        self._zones = {zone.id: zone for zone in site.config.zones}
        self._dispatcher = Dispatcher(config.routes)
        self._directory = Directory(config, tz)
        self._renderer = Renderer(self._zones, tz, config.dashboard_url)
        self._channels: dict[str, Channel] = {}  # built at start: their HTTP clients open there
        self._queue: NotifyQueue | None = None
        self._workers: dict[str, ChannelWorker] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._sending: list[asyncio.Task[None]] = []  # the channel workers' tasks, among `_tasks`
        self._wake = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def queue(self) -> NotifyQueue:
        if self._queue is None:
            raise RuntimeError("notifier is not started")
        return self._queue

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        """The channel workers and the routing loop, once started."""
        return list(self._tasks)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per channel: notices sent, attempts failed and throttled since the service started."""
        return {ident: dict(worker.counts) for ident, worker in sorted(self._workers.items())}

    async def start(self, path: Path, recorded: AlertStore | None = None) -> None:
        """Open the queue in `path`, start one worker per channel (resuming what is queued), subscribe.

        With the alert service's `recorded` transitions, the alerts still firing unacknowledged from
        before a restart (or firing when their device went away) are taken up again: their repeats and
        escalation go on, told only once.
        """
        self._queue = await NotifyQueue.open(path)
        if recorded is not None:
            await self._resume(recorded)
        self._channels = build_channels(self._config)
        fallback = (self._config.fallback, self._fall_back) if self._config.fallback else None
        for ident, channel in self._channels.items():
            self._workers[ident] = ChannelWorker(channel, self._queue, self._config.retry, fallback)
        self._sending = [
            asyncio.create_task(w.run(), name=f"anjing.notify.{i}") for i, w in self._workers.items()
        ]
        self._tasks = [*self._sending, asyncio.create_task(self._loop(), name="anjing.notify")]
        self._unsubscribe = self._engine.subscribe(self.listen)
        log.info(
            "通知已启动 / notifier started: %d channels, %d receivers",
            len(self._channels),
            len(self._config.receivers),
        )

    async def stop(self) -> None:
        """Stop routing; let each channel finish the notice it is sending (up to STOP_GRACE seconds)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        for worker in self._workers.values():
            worker.stop()
        if self._sending:
            await asyncio.wait(self._sending, timeout=STOP_GRACE)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in self._channels.values():
            with contextlib.suppress(Exception):  # a channel that cannot close must not stop the shutdown
                await channel.aclose()
        if self._queue is not None:
            await self._queue.close()

    def use_zones(self, zones: Sequence[Zone]) -> None:
        """Take the zones of a reloaded site: their names and kinds in notices and routes."""
        self._zones.clear()  # the renderer reads the same mapping
        self._zones.update((zone.id, zone) for zone in zones)

    def listen(self, transition: Transition) -> None:
        """The engine's listener: muted transitions are recorded by the engine and told to no one."""
        log.debug(
            "%s: %s → %s%s",
            transition.key,
            transition.previous,
            transition.state,
            " (muted)" * transition.muted,
        )
        if transition.muted or transition.state not in _TOLD:
            return
        self._dispatcher.add(transition, self._labels(transition))
        self._wake.set()

    async def _resume(self, recorded: AlertStore) -> None:
        for binding, status in self._engine.shown():
            away = status.state is AlertState.UNKNOWN and status.before_unknown is AlertState.FIRING
            if status.state is not AlertState.FIRING and not away:
                continue  # an alert firing when its device went away comes back as the same alert
            events = await recorded.history(key=binding.key, limit=50)
            firing = next((Transition.from_json(e) for e in events if e["state"] == AlertState.FIRING), None)
            if firing is not None and not firing.muted:
                told = await self.queue.told(binding.key)
                self._dispatcher.resume(firing, self._labels(firing), told)

    def _labels(self, transition: Transition) -> dict[str, str]:
        zone = self._zones.get(transition.zone or "")
        return {
            "kind": zone.kind.value if zone else "",
            "rule": transition.rule,
            "severity": transition.severity,
            "standard": transition.standard,
            "zone": transition.zone or "",
        }

    async def tick(self, now: float) -> None:
        """Queue the notices of every message due at `now` and wake the channels that got one."""
        items = [item for message in self._dispatcher.flush(now) for item in self._notices(message, now)]
        if not items:
            return
        await self.queue.put(items, now)
        for channel in {item.channel for item in items}:
            self._workers[channel].wake()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick(time.time())
            except Exception:
                log.exception("通知排队失败 / queueing notifications failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._config.tick)

    def _notices(self, message: Message, now: float) -> list[Queued]:
        items: list[Queued] = []
        for ident in message.receivers:
            receiver = self._directory.resolve(ident, now)
            if receiver is None:
                log.warning("无人值班 / no rota shift covers now: %s not told", message.group)
                continue
            items += self._for_receiver(
                message, receiver, now, f"{message.group}|{message.reason}|{message.at}"
            )
        return items

    def _for_receiver(self, message: Message, receiver: Receiver, now: float, ident: str) -> list[Queued]:
        items = []
        for address in receiver.channels:
            dedup = f"{ident}|{receiver.id}|{address.channel}"
            notice = dataclasses.replace(
                self._renderer.notice(message, receiver, address), id=notice_id(dedup)
            )
            due = self._directory.release(receiver, notice.severity, now)
            items.append(Queued(dedup, address.channel, message.reason, notice, due))
        return items

    async def _fall_back(self, item: Queued) -> None:
        """Send a notice its channel keeps failing to the fallback receiver, over its other channels.

        The notice keeps its text (the message it was rendered from is gone); only the addressee changes.
        """
        fallback = self._config.fallback
        if fallback is None:
            return
        receiver = self._config.receiver(fallback.receiver)
        now = time.time()
        for address in receiver.channels:
            if address.channel == item.channel:
                continue
            dedup, reason = f"{item.dedup}|fallback|{address.channel}", f"fallback:{item.reason}"
            notice = dataclasses.replace(
                item.notice,
                receiver=receiver.id,
                addresses=address.addresses,
                reason=reason,
                id=notice_id(dedup),
            )
            copy = Queued(dedup, address.channel, reason, notice, now)
            await self.queue.put([copy], now)
            self._workers[address.channel].wake()
