"""The single-process service: store, writer, simulator and collectors, started and stopped in order.

Start: store → writer → simulated devices → collectors. Stop in reverse, and drain: the collectors
stop first, the stream is closed, the writer stores everything still pending, then the store
closes — so a Ctrl-C or SIGTERM loses no reading that was polled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from alerts import AlertService, FeedingStore
from alerts.notify import Notifier
from anjing.heartbeat import beat
from anjing.loading import check_site
from anjing.reload import plan_restart, rejected
from anjing.selfchecks import disk_checks, outbox_checks
from anjing.storelock import StoreBusyError, StoreLock
from anjing.watchers import watch_checks
from api.auth import AuditLog, Principal
from api.auth.service import AuthService
from collectors import DeviceStatus, StatusBoard
from collectors.modbus import ModbusCollector
from collectors.mqtt import MqttCollector, StatePublisher
from collectors.simulator import EmbeddedBroker, MqttDevices, Simulation, SimulationError
from collectors.tasks import cancel_and_wait
from compliance import from_service
from compliance.monthly import MonthlyReports
from config import ConfigError, Site
from config.catalog import build_catalog
from config.changes import SiteChanges, site_changes
from config.fingerprint import config_checksum
from config.mqtt import Mqtt, mqtt_devices
from config.running import ConfigStatus, ReloadOutcome, ReloadResult
from feedback import FeedbackService
from safety import SafetyService
from sensors.catalog import SensorInfo
from storage import ReadingStream, SqliteStore, StoreError, StoreWriter
from storage.diskguard import DiskGuard
from storage.influx import ForwarderState, InfluxForwarding, OutboxStats

log = logging.getLogger("anjing.runtime")


class StartupError(RuntimeError):
    """A part of the service cannot start (port in use, store unreadable…): the message says which and why."""


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
        self._auth: AuthService | None = None
        self._writer: StoreWriter | None = None
        self._writer_task: asyncio.Task[None] | None = None
        self._influx: InfluxForwarding | None = None
        self.mqtt: MqttCollector | None = None
        self._mqtt_task: asyncio.Task[None] | None = None
        self._modbus: ModbusCollector | None = None
        self._modbus_task: asyncio.Task[None] | None = None
        self._reloading = asyncio.Lock()  # one reload at a time, and never during the shutdown
        self._config = ConfigStatus(
            path=str(site.path), checksum=config_checksum(site), loaded_at=datetime.now(UTC)
        )
        self.publisher: StatePublisher | None = None  # the alert engine hands state changes to publish_alert
        checks = outbox_checks(lambda: self.outbox) if storage.influxdb is not None else []
        self.disk_guard = DiskGuard(site.resolve(storage.sqlite.path).resolve().parent, storage.disk_guard)
        checks += disk_checks(self.disk_guard)
        # the emergency plan is loaded here (a bad plan is a ConfigError); its reminders are alert checks
        self.safety = None if site.config.safety is None else SafetyService(site, self.catalog)
        if self.safety is not None:
            checks += self.safety.checks()
        # visitors' complaints: open and overdue cases are alert checks, routed like any alert
        self.feedback = None if site.config.feedback is None else FeedbackService(site, self.catalog)
        if self.feedback is not None:
            checks += self.feedback.checks()
        # the monthly report job: "report written" is an info notice routed like any alert
        monthly = site.config.compliance.monthly
        self.reports = None if monthly is None else MonthlyReports(site, monthly)
        if self.reports is not None:
            checks.append(self.reports.check())
        checks += watch_checks(
            parts=lambda: {} if self._stopped else self.parts,
            store_error=lambda: self.store_error,
            polled=self._polled,
            notify_counts=lambda: self.notifier.counts() if self.notifier else {},
        )
        self.alerts = AlertService(site, self.catalog, checks)  # fed by the writer through FeedingStore
        notify = site.config.notify
        self.notifier = None if notify is None else Notifier(site, notify, self.alerts.engine)
        self._stopped = False
        self._lock = StoreLock(site.resolve(storage.sqlite.path).resolve(), exclusive=False)

    @property
    def store(self) -> SqliteStore:
        if self._store is None:
            raise RuntimeError("runtime is not started")
        return self._store

    @property
    def auth(self) -> AuthService:
        if self._auth is None:
            raise RuntimeError("runtime is not started")
        return self._auth

    @property
    def audit(self) -> AuditLog:
        return self.auth.audit

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

    def problem(self) -> str | None:
        """What makes the service unsound now — a stopped part, a failing store — or None."""
        wrong = [f"{name}: {why}" for name, why in self.parts.items() if why is not None]
        if self.store_error is not None:
            wrong.append(f"store: {self.store_error}")
        return "; ".join(wrong) or None

    def _polled(self) -> list[tuple[DeviceStatus, float]]:
        """Each Modbus device's status with its poll interval, as configured now."""
        found = ((self.board.get(d.id), d.poll) for d in self.site.config.devices)
        return [(status, poll) for status, poll in found if status is not None]

    @property
    def config_status(self) -> ConfigStatus:
        """The running config's file, checksum and load time, and how the last reload went."""
        return self._config

    @property
    def modbus(self) -> ModbusCollector | None:
        return self._modbus

    @property
    def outbox(self) -> OutboxStats | None:
        """The InfluxDB outbox and forwarder, when `storage.influxdb` is configured."""
        return self._influx.stats if self._influx else None

    async def __aenter__(self) -> Self:
        """Start every part; a part that cannot start stops those already started and raises StartupError."""
        config = self.site.config
        path = self.site.resolve(config.storage.sqlite.path).resolve()
        self._store = await self._open_store(path)
        log.info("存储 / store: SQLite %s", path)
        try:
            self._auth = await AuthService.open(path, config.api.auth)
        except StoreError as exc:
            await self._close_store()
            raise StartupError(
                f"无法打开用户与审计记录 / cannot open the user and audit tables: {exc}"
            ) from exc
        try:
            await self.alerts.start(path, self._store)
        except StoreError as exc:
            await self._auth.close()
            await self._close_store()
            raise StartupError(f"无法打开告警记录 / cannot open the alert tables: {exc}") from exc
        if self.notifier is not None:  # before the writer: no transition is evaluated unheard
            try:
                await self.notifier.start(path, self.alerts.store)
            except StoreError as exc:
                await self.alerts.stop()
                await self.auth.close()
                await self._close_store()
                raise StartupError(f"无法打开通知队列 / cannot open the notification queue: {exc}") from exc
        self._writer = StoreWriter(
            self.stream,
            FeedingStore(self._store, self.alerts.on_stored),
            batch_size=config.storage.batch_size,
            flush_interval=config.storage.flush_interval,
        )
        self._writer_task = asyncio.create_task(self._writer.run(), name="anjing.store-writer")
        try:
            if self.safety is not None:  # after the alert service, whose checks raise its reminders
                await self._start_safety(self.safety, path)
            if self.feedback is not None:
                await self._start_feedback(self.feedback, path)
            await self._start_reports(path)
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
            await self._start_collection()
        except SimulationError as exc:
            await self._shutdown()
            raise StartupError(f"无法启动模拟设备 / cannot start the simulated devices: {exc}") from exc
        except BaseException:
            await self._shutdown()
            raise
        log.info(
            "安境已启动 / Anjing started: %s, %d devices, %d sensors; config %s %s",
            config.site.name,
            len(config.devices),
            len(self.catalog),
            self._config.path,
            self._config.checksum,
        )
        return self

    async def _open_store(self, path: Path) -> SqliteStore:
        """Lock and open the store, its writes behind the disk guard; the lock, held while running,
        makes `anjing restore` refuse."""
        storage = self.site.config.storage
        try:
            self._lock.acquire()
        except (StoreBusyError, OSError) as exc:
            raise StartupError(f"无法锁定存储 / cannot lock the store: {exc}") from exc
        try:
            store = await SqliteStore.open(
                path, retention_days=storage.sqlite.retention_days, outbox=storage.influxdb is not None
            )
        except StoreError as exc:
            self._lock.release()
            raise StartupError(f"无法打开存储 / cannot open the store: {exc}") from exc
        store.disk_guard = self.disk_guard
        return store

    async def _start_safety(self, safety: SafetyService, path: Path) -> None:
        try:
            await safety.start(path, self.store, self.board, self.alerts.engine)
        except StoreError as exc:
            raise StartupError(f"无法打开应急预案记录 / cannot open the safety records: {exc}") from exc

    async def _close_store(self) -> None:
        """After a start that failed early: close the store and let go of its lock."""
        await self.store.close()
        self._lock.release()

    async def _start_feedback(self, feedback: FeedbackService, path: Path) -> None:
        try:
            await feedback.start(path, self.store, self.alerts.engine)
        except StoreError as exc:
            raise StartupError(f"无法打开访客反馈记录 / cannot open the feedback cases: {exc}") from exc

    async def _start_reports(self, path: Path) -> None:
        reports = self.reports
        if reports is None:
            return
        try:
            await reports.open(path)
        except StoreError as exc:
            raise StartupError(
                f"无法打开月度报告记录 / cannot open the monthly report records: {exc}"
            ) from exc
        self._stack.push_async_callback(reports.close)  # after the job's task is cancelled
        job = asyncio.create_task(reports.run(lambda: from_service(self)), name="anjing.monthly-reports")
        self._tasks.append(job)

    async def _start_collection(self) -> None:
        """The simulated devices (demo), the collectors, and last the heartbeat: it beats only for a
        service that has started."""
        config = self.site.config
        if config.simulator.enabled:
            await self._stack.enter_async_context(Simulation(self.site))
        self._modbus = ModbusCollector(self.site, self.stream, self.board)
        if self._modbus.plans:  # a site of MQTT devices only has no Modbus part
            self._run_modbus(self._modbus)
        if config.mqtt is not None:
            await self._start_mqtt(config.mqtt)
        if config.heartbeat is not None:
            beating = beat(config.heartbeat, config.site.name, self.problem)
            self._tasks.append(asyncio.create_task(beating, name="anjing.heartbeat"))

    def _run_modbus(self, collector: ModbusCollector) -> None:
        self._modbus_task = asyncio.create_task(collector.run(), name="anjing.modbus")
        self._tasks.append(self._modbus_task)

    async def _start_mqtt(self, config: Mqtt) -> None:
        """The embedded demo broker and simulated MQTT devices when asked for, then the MQTT collector."""
        if config.embedded:
            await self._stack.enter_async_context(EmbeddedBroker(config))
            if self.site.config.simulator.enabled:
                await self._stack.enter_async_context(MqttDevices(self.site, config))
        if config.publish is not None:
            publisher = self.publisher = StatePublisher(config.publish, self.board)
            self.alerts.engine.subscribe(lambda t: publisher.publish_alert(t.key, t.state.value, t.to_json()))
        self._run_mqtt(self._new_mqtt(self.site, config))

    def _new_mqtt(self, site: Site, config: Mqtt) -> MqttCollector:
        try:
            return MqttCollector(
                config,
                self.stream,
                self.board,
                base_dir=site.base_dir,
                tz=site.config.site.tz,
                molar_volume=site.config.site.molar_volume,
                publisher=self.publisher,
            )
        except ValueError as exc:  # unreadable TLS files
            raise StartupError(f"MQTT 无法启动 / cannot start MQTT: {exc}") from exc

    def _run_mqtt(self, collector: MqttCollector) -> None:
        self.mqtt = collector
        self._mqtt_task = asyncio.create_task(collector.run(), name="anjing.mqtt")
        self._tasks.append(self._mqtt_task)

    async def reload(self, actor: Principal) -> ReloadOutcome:
        """Re-read the site file and apply it when it is valid; otherwise keep the running config.

        Logged and audited (`config.reload`) with the checksums before and after, whoever asked:
        `POST /api/v1/config/reload`, `anjing reload` or a SIGHUP.
        """
        async with self._reloading:
            started, before = time.monotonic(), self._config
            if self._stopped:
                return rejected(["服务正在停止 / the service is stopping"], actor, before.checksum, started)
            try:
                site = await asyncio.to_thread(check_site, self.site.path)
            except ConfigError as exc:
                outcome = rejected(exc.issues, actor, before.checksum, started)
            else:
                changes = plan_restart(self.safety, site_changes(self.site, site))
                outcome = await self._apply(changes, actor, before.checksum, started)
            self._config = before.model_copy(update={"last_reload": outcome})
            if outcome.result is ReloadResult.APPLIED:
                self._config = self._config.model_copy(
                    update={
                        "checksum": outcome.new_checksum,
                        "loaded_at": outcome.at,
                        "restart_needed": outcome.restart_needed,
                    }
                )
            self._log_reload(outcome)
            await self.audit.record(
                actor,
                "config.reload",
                str(self.site.path),
                before={"checksum": before.checksum},
                after={"checksum": self._config.checksum},
                outcome="ok" if outcome.result is ReloadResult.APPLIED else outcome.summary,
                detail="\n".join(outcome.issues) or outcome.summary,
            )
            return outcome

    async def _apply(
        self, changes: SiteChanges, actor: Principal, checksum: str, started: float
    ) -> ReloadOutcome:
        """Apply a valid site in place: alerts first (new sensors are judged from their first reading),
        then the catalog, MQTT and the Modbus buses whose plan changed; devices removed leave the board."""
        site = changes.site
        outcome = ReloadOutcome(
            result=ReloadResult.APPLIED,
            at=datetime.now(UTC),
            actor=actor.name,
            old_checksum=checksum,
            new_checksum=await asyncio.to_thread(config_checksum, site),
            added=changes.added,
            removed=changes.removed,
            changed=changes.changed,
            sections=changes.sections,
            restart_needed=changes.restart_needed,
        )
        try:
            catalog = build_catalog(site)
            mqtt = site.config.mqtt
            renewed = self._new_mqtt(site, mqtt) if changes.mqtt_link and mqtt and self.mqtt else None
            await self.alerts.reload(site, catalog, self.store)
            self.site, self.catalog = site, catalog
            if self.notifier is not None:
                self.notifier.use_zones(site.config.zones)
            if self._influx is not None:
                self._influx.use_catalog(catalog)
            if renewed is not None:
                await cancel_and_wait([task for task in (self._mqtt_task,) if task is not None])
                self._tasks = [task for task in self._tasks if task is not self._mqtt_task]
                self._run_mqtt(renewed)
            elif self.mqtt is not None and mqtt is not None:
                await self.mqtt.apply(
                    mqtt, tz=site.config.site.tz, molar_volume=site.config.site.molar_volume
                )
            buses = await self._modbus.apply(site) if self._modbus else []
            if self._modbus and self._modbus_task is None and self._modbus.plans:
                self._run_modbus(self._modbus)
            links = [self.mqtt.link.device] if self.mqtt else []
            self.board.retain({*(d.id for d in site.config.devices), *mqtt_devices(mqtt), *links})
        except Exception as exc:  # a bug or a store failure: say so, keep running what runs
            log.exception("配置应用失败 / applying the reloaded config failed")
            return outcome.model_copy(
                update={
                    "result": ReloadResult.FAILED,
                    "issues": (repr(exc),),
                    "seconds": time.monotonic() - started,
                }
            )
        return outcome.model_copy(
            update={
                "buses_restarted": tuple(buses),
                "mqtt_reconnected": renewed is not None,
                "seconds": time.monotonic() - started,
            }
        )

    def _log_reload(self, outcome: ReloadOutcome) -> None:
        facts = {"reload": outcome.result.value, "checksum": self._config.checksum, "actor": outcome.actor}
        level = logging.INFO if outcome.result is ReloadResult.APPLIED else logging.ERROR
        log.log(level, "配置重新加载 / config reload by %s: %s", outcome.actor, outcome.summary, extra=facts)
        for issue in outcome.issues:
            log.log(level, "  %s", issue)
        for key in outcome.restart_needed:
            log.warning("需要重启 / restart needed: %s", key)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        """Stop in reverse order of start; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        async with self._reloading:  # a reload under way finishes first; none starts after
            pass
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        await self.stream.close()
        await self._drain()
        if self.safety is not None:
            await self.safety.stop()
        if self.feedback is not None:
            await self.feedback.stop()
        await self.alerts.stop()  # after the drain: the last stored readings are evaluated and recorded
        if self.notifier is not None:  # what it has not sent stays queued for the next start
            await self.notifier.stop()
        await self._stack.aclose()
        if self._auth is not None:
            await self._auth.close()
        if self._store is not None:
            await self._store.close()
        self._lock.release()
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
