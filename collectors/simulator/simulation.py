"""`Simulation`: a site's simulated devices behind real Modbus servers, for the demo and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import partial
from types import TracebackType
from typing import Self

from pymodbus.server import ModbusBaseServer

from collectors.simulator.datastore import BusDatastore
from collectors.simulator.device import SimulatedDevice
from collectors.simulator.errors import SimulationError
from collectors.simulator.events import check_event
from collectors.simulator.servers import check_bus, describe, start_server
from collectors.simulator.values import Conditions
from config import Site
from config.models import SimEventKind

log = logging.getLogger("anjing.simulator")


class Simulation:
    """The devices on the site's simulated buses (`simulator.buses`, or all), each bus served by a real
    pymodbus server, values updated every `interval` seconds by a task, events from the config fired
    at their time. Every problem with the site shows when it is constructed, before a port is bound.

        async with Simulation(site) as sim:
            sim.trigger("em-ctrl", "lamp_fault", point="lamp_3")
            sim.value("em-ctrl", "lamp_3")  # 2.0, the index of "fault"

    `serial_ports` maps an `rtu` bus id to the simulator's end of a serial line (a pty pair), the
    bus's own `port` being the collector's end. `clock` (aware datetimes) sets the time of day that
    drives occupancy and lighting and when events start and end; a test with its own clock calls
    `update()` itself.
    """

    def __init__(
        self,
        site: Site,
        *,
        serial_ports: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        interval: float = 1.0,
    ) -> None:
        config = site.config
        self._site = config.site
        self._serial_ports = dict(serial_ports or {})
        wanted = set(config.simulator.buses) or {bus.id for bus in config.buses}
        self._buses = [bus for bus in config.buses if bus.id in wanted]
        for bus in self._buses:
            check_bus(bus, self._serial_ports)
        kinds = {zone.id: zone.kind for zone in config.zones}
        self._devices = {
            d.id: SimulatedDevice(
                d,
                site.profiles[d.profile],
                kinds[d.zone] if d.zone else None,
                seed=config.simulator.seed,
                molar_volume=config.site.molar_volume,
            )
            for d in config.devices
            if d.bus in wanted
        }
        self._schedule = sorted(config.simulator.events, key=lambda e: e.at)
        for event in self._schedule:
            device = self._device(event.device)
            check_event(device.id, device.profile, event.kind, event.point)
        self._clock = clock or partial(datetime.now, UTC)
        self._interval = interval
        self._started: datetime | None = None
        self._last: datetime | None = None
        self._servers: list[ModbusBaseServer] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self.update()
        try:
            for bus in self._buses:
                devices = [d for d in self._devices.values() if d.bus == bus.id]
                datastore = BusDatastore({d.address: d.memory for d in devices})
                self._servers.append(await start_server(bus, datastore, self._serial_ports))
                where = describe(bus, self._serial_ports)
                log.info("simulator: serving %d devices on %s (%s)", len(devices), bus.id, where)
        except BaseException:
            await self._stop_servers()
            raise
        self._task = asyncio.create_task(self._run(), name="anjing.simulator")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._stop_servers()

    async def _stop_servers(self) -> None:
        for server in reversed(self._servers):
            await server.shutdown()  # type: ignore[no-untyped-call]  # pymodbus leaves it unannotated
        if self._servers:
            log.info("simulator: stopped %d server(s)", len(self._servers))
        self._servers.clear()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.update()
            except Exception:  # a simulator bug must not take the demo down: the last values stay served
                log.exception("simulator: update failed")

    def update(self) -> None:
        """Bring every device to the clock's now: scheduled events start and end, values drift, the
        registers are rewritten. The demo's 18 devices take about half a millisecond."""
        now = self._clock()
        started = self._started = self._started or now
        dt = max(0.0, (now - self._last).total_seconds()) if self._last else 0.0
        self._last = now
        while self._schedule and started + timedelta(seconds=self._schedule[0].at) <= now:
            event = self._schedule.pop(0)
            since = started + timedelta(seconds=event.at)  # on time, however late this update runs
            self._devices[event.device].start(event.kind, event.point, since, event.duration)
        conditions = Conditions.at(now, self._site)
        for device in self._devices.values():
            device.expire(now)
            device.step(conditions, now, dt)
            device.render()

    def trigger(
        self,
        device: str,
        kind: SimEventKind | str,
        *,
        point: str | None = None,
        duration: float | None = None,
    ) -> None:
        """Start an event now, for `duration` seconds or until cleared; states and silence show at once,
        measurements move toward their new target at the pace of their quantity."""
        target = self._device(device)
        event_kind = _kind(kind)
        if duration is not None and duration <= 0:
            raise SimulationError(f"event {event_kind.value} on {device}: duration must be positive")
        target.start(event_kind, point, self._clock(), duration)
        target.render()

    def clear(self, device: str, kind: SimEventKind | str | None = None) -> None:
        """End the device's events of `kind`, or all of them, at once."""
        target = self._device(device)
        target.stop(None if kind is None else _kind(kind))
        target.render()

    def value(self, device: str, field: str) -> float | None:
        """The canonical value `device` serves for `field` now, as a collector decodes it (a state's
        index), or None while it serves none (fault code, dead)."""
        target = self._device(device)
        if field not in {f.key for f in target.profile.fields}:
            keys = ", ".join(f.key for f in target.profile.fields)
            raise SimulationError(f"{device} ({target.profile.id}) has no field {field!r}; fields: {keys}")
        return target.value(field)

    def _device(self, device: str) -> SimulatedDevice:
        found = self._devices.get(device)
        if found is None:
            simulated = ", ".join(self._devices) or "none"
            raise SimulationError(f"{device!r} is not a device on a simulated bus; simulated: {simulated}")
        return found


def _kind(kind: SimEventKind | str) -> SimEventKind:
    try:
        return SimEventKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in SimEventKind)
        raise SimulationError(f"unknown event kind {kind!r}; kinds: {kinds}") from None
