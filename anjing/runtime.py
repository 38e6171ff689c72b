"""The single-process service: store, writer, simulator and collectors, started and stopped in order.

Start: store → writer → simulated devices → collectors. Stop in reverse, and drain: the collectors
stop first, the stream is closed, the writer stores everything still pending, then the store
closes — so a Ctrl-C or SIGTERM loses no reading that was polled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Self

from alerts import AlertService, FeedingStore
from alerts.notify import Notifier
from anjing.selfchecks import outbox_checks
from api.auth import AuditLog
from api.auth.database import open_auth_db
from collectors import StatusBoard
from collectors.modbus import ModbusCollector
from collectors.mqtt import MqttCollector, StatePublisher
from collectors.simulator import EmbeddedBroker, MqttDevices, Simulation, SimulationError
from config import Site
from config.catalog import build_catalog
from config.mqtt import Mqtt
from sensors.catalog import SensorInfo
from storage import ReadingStream, SqliteStore, StoreError, StoreWriter
from storage.connection import ThreadConnection
from storage.influx import ForwarderState, InfluxForwarding, OutboxStats

log = logging.getLogger("anjing.runtime")


class StartupError(RuntimeError):
    """A part of the service cannot start (port in use, store unreadable…): the message says which and why."""


CANCEL_RETRY = 0.5  # seconds before a task that has not stopped is cancelled again
DRAIN_TIMEOUT = 30.0  # seconds a stop waits for a failing store before it gives up on what is pending


class Runtime:
    """Everything that runs for one site; the API reads it through `api.ServiceContext`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.catalog: Mapping[str, SensorInfo] = build_catalog(site)
        self.board = StatusBoard()
        storage = site.config.storage
        self.stream = ReadingStream(storage.queue_size)
        self._stack = AsyncExitStack()
        self._tasks: list[asyncio.Task[None]] = []
        self._store: SqliteStore | None = None
        self._auth_db: ThreadConnection | None = None
        self._writer: StoreWriter | None = None
        self._writer_task: asyncio.Task[None] | None = None
        self._influx: InfluxForwarding | None = None
        self.mqtt: MqttCollector | None = None
        self.publisher: StatePublisher | None = None  # the alert engine hands state changes to publish_alert
        checks = outbox_checks(lambda: self.outbox) if storage.influxdb is not None else []
        self.alerts = AlertService(site, self.catalog, checks)  # fed by the writer through FeedingStore
        notify = site.config.notify
        self.notifier = None if notify is None else Notifier(site, notify, self.alerts.engine)
        self._stopped = False

    @property
    def store(self) -> SqliteStore:
        if self._store is None:
            raise RuntimeError("runtime is not started")
        return self._store

    @property
    def audit(self) -> AuditLog:
        if self._auth_db is None:
            raise RuntimeError("runtime is not started")
        return AuditLog(self._auth_db)

    @property
    def pending(self) -> int:
        return self.stream.pending

    @property
    def stored(self) -> int:
        return self._writer.written if self._writer else 0

    @property
    def store_error(self) -> str | None:
        task = self._writer_task
        if task is not None and task.done() and not self.stream.closed:
            return f"写入任务已停止 / the store writer stopped: {task.exception()!r}"
        error = self._writer.error if self._writer else None
        return None if error is None else str(error)

    @property
    def writer(self) -> StoreWriter | None:
        """The store writer, once started: what it wrote, how long it took, what fails now."""
        return self._writer

    @property
    def parts(self) -> dict[str, str | None]:
        """Each part that runs for as long as the service: None while it runs, or why it does not."""
        tasks = {"store-writer": [self._writer_task] if self._writer_task else []}
        tasks |= {task.get_name().removeprefix("anjing."): [task] for task in self._tasks}
        tasks["alerts"] = [self.alerts.task] if self.alerts.task else []
        if self.notifier is not None:
            tasks["notify"] = self.notifier.tasks
        found = {name: _task_problem(group) for name, group in tasks.items()}
        if self._influx is not None:
            stopped = self._influx.stats.state is ForwarderState.STOPPED
            found["influxdb"] = "转发已停止 / the forwarder stopped" if stopped else None
        if self._stopped:
            return dict.fromkeys(found, "正在停止 / stopping")
        return found

    @property
    def outbox(self) -> OutboxStats | None:
        """The InfluxDB outbox and forwarder, when `storage.influxdb` is configured."""
        return self._influx.stats if self._influx else None

    async def __aenter__(self) -> Self:
        """Start every part; a part that cannot start stops those already started and raises StartupError."""
        config = self.site.config
        path = self.site.resolve(config.storage.sqlite.path).resolve()
        try:
            self._store = await SqliteStore.open(
                path,
                retention_days=config.storage.sqlite.retention_days,
                outbox=config.storage.influxdb is not None,
            )
        except StoreError as exc:
            raise StartupError(f"无法打开存储 / cannot open the store: {exc}") from exc
        log.info("存储 / store: SQLite %s", path)
        try:
            self._auth_db = await open_auth_db(path)
        except StoreError as exc:
            await self._store.close()
            raise StartupError(
                f"无法打开用户与审计记录 / cannot open the user and audit tables: {exc}"
            ) from exc
        try:
            await self.alerts.start(path, self._store)
        except StoreError as exc:
            await self._auth_db.close()
            await self._store.close()
            raise StartupError(f"无法打开告警记录 / cannot open the alert tables: {exc}") from exc
        if self.notifier is not None:  # before the writer: no transition is evaluated unheard
            try:
                await self.notifier.start(path, self.alerts.store)
            except StoreError as exc:
                await self.alerts.stop()
                await self._auth_db.close()
                await self._store.close()
                raise StartupError(f"无法打开通知队列 / cannot open the notification queue: {exc}") from exc
        self._writer = StoreWriter(
            self.stream,
            FeedingStore(self._store, self.alerts.on_stored),
            batch_size=config.storage.batch_size,
            flush_interval=config.storage.flush_interval,
        )
        self._writer_task = asyncio.create_task(self._writer.run(), name="anjing.store-writer")
        try:
            influx = config.storage.influxdb
            if influx is not None:  # left after the writer has drained: the last readings reach the outbox
                self._influx = await self._stack.enter_async_context(
                    InfluxForwarding(
                        path,
                        influx,
                        site=config.site.name,
                        catalog=self.catalog,
                        ca_cert=self.site.resolve(influx.ca_cert) if influx.ca_cert else None,
                    )
                )
            if config.simulator.enabled:
                await self._stack.enter_async_context(Simulation(self.site))
            collector = ModbusCollector(self.site, self.stream, self.board)
            if collector.plans:  # a site of MQTT devices only has no Modbus part
                self._tasks.append(asyncio.create_task(collector.run(), name="anjing.modbus"))
            if config.mqtt is not None:
                await self._start_mqtt(config.mqtt)
        except SimulationError as exc:
            await self._shutdown()
            raise StartupError(f"无法启动模拟设备 / cannot start the simulated devices: {exc}") from exc
        except BaseException:
            await self._shutdown()
            raise
        log.info(
            "安境已启动 / Anjing started: %s, %d devices, %d sensors",
            config.site.name,
            len(config.devices),
            len(self.catalog),
        )
        return self

    async def _start_mqtt(self, config: Mqtt) -> None:
        """The embedded demo broker and simulated MQTT devices when asked for, then the MQTT collector."""
        if config.embedded:
            await self._stack.enter_async_context(EmbeddedBroker(config))
            if self.site.config.simulator.enabled:
                await self._stack.enter_async_context(MqttDevices(self.site, config))
        if config.publish is not None:
            publisher = self.publisher = StatePublisher(config.publish, self.board)
            self.alerts.engine.subscribe(lambda t: publisher.publish_alert(t.key, t.state.value, t.to_json()))
        try:
            self.mqtt = MqttCollector(
                config,
                self.stream,
                self.board,
                base_dir=self.site.base_dir,
                tz=self.site.config.site.tz,
                molar_volume=self.site.config.site.molar_volume,
                publisher=self.publisher,
            )
        except ValueError as exc:  # unreadable TLS files
            raise StartupError(f"MQTT 无法启动 / cannot start MQTT: {exc}") from exc
        self._tasks.append(asyncio.create_task(self.mqtt.run(), name="anjing.mqtt"))

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        """Stop in reverse order of start; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        await _cancel(self._tasks)
        self._tasks.clear()
        await self.stream.close()
        await self._drain()
        await self.alerts.stop()  # after the drain: the last stored readings are evaluated and recorded
        if self.notifier is not None:  # what it has not sent stays queued for the next start
            await self.notifier.stop()
        await self._stack.aclose()
        if self._auth_db is not None:
            await self._auth_db.close()
        if self._store is not None:
            await self._store.close()
        facts = {"collected": self.stream.accepted, "stored": self.stored, "pending": self.stream.pending}
        log.info(
            "安境已停止 / Anjing stopped: collected %(collected)d readings, stored %(stored)d, pending %(pending)d",
            facts,
            extra=facts,
        )

    async def _drain(self) -> None:
        """Let the writer store what is pending; give up after DRAIN_TIMEOUT if the store keeps failing."""
        task = self._writer_task
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=DRAIN_TIMEOUT)
        if not done:
            task.cancel()
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
        if isinstance(outcome, Exception):
            log.error("存储写入任务出错 / the store writer failed: %r", outcome)
        if self.stream.pending:
            log.error(
                "停止时 %d 条读数未能写入 / %d readings could not be stored before stopping: %s",
                self.stream.pending,
                self.stream.pending,
                self.store_error,
            )


def _task_problem(tasks: list[asyncio.Task[None]]) -> str | None:
    """None while every task runs; otherwise how the first that ended did (each should run until stopped)."""
    for task in tasks:
        if not task.done():
            continue
        if task.cancelled():
            return f"{task.get_name()}: 已取消 / cancelled"
        error = task.exception()
        return f"{task.get_name()}: 已退出 / ended" + (f": {error!r}" if error else "")
    return None if tasks else "未启动 / not started"


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and wait for them, cancelling again any that swallowed it.

    Client libraries under the collectors (pymodbus, paho under aiomqtt) await with
    `asyncio.wait_for`, which on Python 3.11 can swallow a cancellation that races with an answer;
    one cancel is then not enough to stop a collector's loop.
    """
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=CANCEL_RETRY)
    await asyncio.gather(*tasks, return_exceptions=True)
