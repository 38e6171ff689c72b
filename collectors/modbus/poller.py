"""`BusPoller`: the one owner of a bus's poll loop, in the manner of Home Assistant's coordinator.

Each device runs on its own fixed-rate schedule (staggered at start so devices don't fire together)
and takes the line one transaction at a time, so a slow or dead slave delays a neighbour by at most
one transaction, never by a whole poll. A serial line (or RTU-over-TCP) has one connection, hence
one transaction in flight; a Modbus TCP gateway gets a small pool of connections, each with one
transaction in flight — what pymodbus 3.16's server and most gateways survive.

A poll that goes unanswered is state, not an exception: it is counted on the device's
`DeviceStatus`, and after `offline_after` of them in a row the device is offline — logged once — and
probed with exponential back-off (doubling from its poll interval, up to `backoff_max`, with jitter)
by a poll without retries, which a dead slave ends at its first request: one timeout of line time
per probe. The first answer brings it back, logged once with the number of polls it missed.

Partial polls: an exception response (illegal address, busy…) omits that request's fields and is
counted, but the device answered, so it stays online. A request left unanswered ends the poll as
failed; the readings already read in it are still delivered. Each poll's readings share one
timestamp and go to the stream in one `put`, which is atomic: cancelling a poll delivers all of its
readings or none.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from collectors.modbus.client import ModbusLink
from collectors.modbus.errors import DeviceExceptionError, DeviceTimeoutError, ModbusError
from collectors.modbus.planner import ReadRequest
from collectors.status import DeviceStatus, StatusBoard
from config.models import Bus, Device, TcpBus
from sensors import DEFAULT_MOLAR_VOLUME, Reading, decode_field
from sensors.catalog import sensor_id
from storage.stream import ReadingStream, StreamClosedError

log = logging.getLogger(__name__)

_JITTER = (0.75, 1.0)  # back-off delays are drawn from this fraction of the nominal delay


@dataclass(frozen=True, slots=True)
class PolledDevice:
    """A device and its read plan (enabled fields only)."""

    config: Device
    requests: tuple[ReadRequest, ...]

    @property
    def field_count(self) -> int:
        return sum(len(r.fields) for r in self.requests)


@dataclass(slots=True)
class _Run:
    """A device's poll state on its bus."""

    device: PolledDevice
    status: DeviceStatus
    label: str  # "rs485-1 unit 7 (th-restroom)": how every log line names the device
    timeout: float
    sensors: dict[str, str]  # field key → sensor id
    refusals: str | None = None  # the exception responses last logged, so each is logged once

    @property
    def config(self) -> Device:
        return self.device.config

    def log_extra(self) -> dict[str, object]:
        return {"device": self.config.id, "bus": self.status.bus, "unit": self.config.address}


class BusPoller:
    """Polls every device of one bus into `stream`, keeping their `DeviceStatus` on `board`."""

    def __init__(
        self,
        bus: Bus,
        devices: Sequence[PolledDevice],
        stream: ReadingStream,
        board: StatusBoard,
        *,
        molar_volume: float = DEFAULT_MOLAR_VOLUME,
    ) -> None:
        self.bus = bus
        self._stream = stream
        self._molar_volume = molar_volume
        self._runs = [
            _Run(
                device=dev,
                status=board.register(dev.config.id, bus.id, dev.config.address),
                label=f"{bus.id} unit {dev.config.address} ({dev.config.id})",
                timeout=dev.config.timeout or bus.timeout,
                sensors={s.key: sensor_id(dev.config.id, s.key) for r in dev.requests for s in r.fields},
            )
            for dev in devices
        ]
        connections = min(bus.connections, len(devices)) if isinstance(bus, TcpBus) else 1
        self._links = [ModbusLink(bus) for _ in range(connections)]
        self._idle: asyncio.Queue[ModbusLink] = asyncio.Queue()  # links not in a transaction; `run` fills it

    @property
    def plans(self) -> dict[str, list[ReadRequest]]:
        return {run.config.id: list(run.device.requests) for run in self._runs}

    async def run(self) -> None:
        """Poll until cancelled (or until the stream closes); links are closed on the way out."""
        for run in self._runs:
            dev = run.device
            log.info(
                "%s (%s unit %d): %s → %s: %s",
                dev.config.id,
                self.bus.id,
                dev.config.address,
                _plural(dev.field_count, "field"),
                _plural(len(dev.requests), "request"),
                ", ".join(map(str, dev.requests)),
                extra=run.log_extra(),
            )
        async with AsyncExitStack() as stack:
            for link in self._links:
                self._idle.put_nowait(await stack.enter_async_context(link))
            async with asyncio.TaskGroup() as tasks:
                for i, run in enumerate(self._runs):
                    first = run.config.poll * i / len(self._runs)
                    tasks.create_task(self._loop(run, first), name=f"modbus[{self.bus.id}].{run.config.id}")

    async def _loop(self, run: _Run, first: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + first
        while True:
            run.status.next_poll = datetime.now(UTC) + timedelta(seconds=max(0.0, due - loop.time()))
            await asyncio.sleep(due - loop.time())
            try:
                await self._poll(run)
            except StreamClosedError:
                log.info("%s: reading stream closed, polling stopped", run.label, extra=run.log_extra())
                return
            except Exception:  # a bug of ours: log it and keep the device's schedule
                log.exception("%s: poll failed unexpectedly", run.label, extra=run.log_extra())
            due = self._next_due(run, due, loop.time())

    def _next_due(self, run: _Run, due: float, now: float) -> float:
        interval = run.config.poll
        if run.status.online is False:
            missed = run.status.consecutive_failures - run.config.offline_after + 1
            nominal = min(run.config.backoff_max, interval * 2.0 ** min(missed, 32))
            return now + max(interval, nominal * random.uniform(*_JITTER))
        # fixed rate on the start's grid: a late poll is caught up at once, but ticks missed by more
        # than one interval are dropped rather than fired in a burst, and counted as overruns
        due += interval
        if due < now - interval:
            skipped = (now - due) // interval
            due += interval * skipped
            run.status.overruns += int(skipped)
        return due

    async def _poll(self, run: _Run) -> None:
        loop = asyncio.get_running_loop()
        started, ts = loop.time(), datetime.now(UTC)
        attempts = 1 if run.status.online is False else 1 + run.config.retries
        readings: list[Reading] = []
        refused: list[DeviceExceptionError] = []
        failure: ModbusError | None = None
        for request in run.device.requests:
            try:
                values = await self._read(run, request, attempts)
            except DeviceExceptionError as exc:
                run.status.exceptions += 1
                if exc.no_answer:
                    failure = exc
                    break
                refused.append(exc)
                continue
            except ModbusError as exc:
                failure = exc
                break
            readings.extend(
                decode_field(
                    spec,
                    request.raw(spec, values),
                    sensor=run.sensors[spec.key],
                    ts=ts,
                    molar_volume=self._molar_volume,
                )
                for spec in request.fields
            )
        run.status.poll_seconds += loop.time() - started
        await self._stream.put(readings)  # a wait here is the store's back-pressure, not the poll's time
        log.debug(
            "%s: polled in %.3f s, %d readings%s",
            run.label,
            loop.time() - started,
            len(readings),
            f", failed: {_brief(failure)}" if failure else "",
        )
        if failure is None:
            self._answered(run, ts, refused)
        else:
            self._unanswered(run, failure)

    async def probe(self, unit: int, request: ReadRequest, *, answer_within: float) -> list[int] | list[bool]:
        """One read for commissioning, on the next idle connection: it waits its turn between polls,
        so a serial line still carries one transaction at a time. Raises ModbusError subclasses."""
        link = await self._idle.get()
        try:
            return await link.read(request, unit, timeout=answer_within)
        finally:
            self._idle.put_nowait(link)

    async def _read(self, run: _Run, request: ReadRequest, attempts: int) -> list[int] | list[bool]:
        """One request, retried on timeouts only; each attempt takes whichever connection is idle."""
        attempt = 1
        loop = asyncio.get_running_loop()
        while True:
            link = await self._idle.get()
            taken, bad_frames = loop.time(), link.bad_frames
            try:
                run.status.requests += 1
                return await link.read(request, run.config.address, timeout=run.timeout)
            except DeviceTimeoutError:
                run.status.timeouts += 1
                if attempt >= attempts:
                    raise
                attempt += 1
            finally:
                self._idle.put_nowait(link)
                run.status.line_seconds += loop.time() - taken
                run.status.crc_errors += link.bad_frames - bad_frames

    def _answered(self, run: _Run, ts: datetime, refused: list[DeviceExceptionError]) -> None:
        status = run.status
        status.polls += 1
        if status.online is False:
            log.info(
                "%s: recovered after %d failed polls / 已恢复",
                run.label,
                status.consecutive_failures,
                extra=run.log_extra(),
            )
        status.online = True
        status.last_good = ts
        status.consecutive_failures = 0
        status.last_error = "; ".join(str(exc) for exc in refused) or None
        brief = "; ".join(map(_brief, refused)) or None
        if brief is not None and brief != run.refusals:
            log.warning("%s: %s", run.label, brief, extra=run.log_extra())
        run.refusals = brief

    def _unanswered(self, run: _Run, failure: ModbusError) -> None:
        status = run.status
        status.polls += 1
        status.failed_polls += 1
        status.consecutive_failures += 1
        status.last_error = str(failure)
        if status.online is not False and status.consecutive_failures >= run.config.offline_after:
            status.online = False
            log.warning(
                "%s: offline after %d failed polls / 设备离线: %s",
                run.label,
                status.consecutive_failures,
                _brief(failure),
                extra=run.log_extra(),
            )


def _brief(error: ModbusError) -> str:
    """An error without the bus and unit, for log lines that already name them."""
    return f"{error.request}: {error.detail}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
