"""`ModbusCollector`: every Modbus bus of a site, one `BusPoller` each, planned before any I/O.

A reloaded site is applied bus by bus (`apply`): a bus whose settings and devices' plans are
unchanged keeps its poller, and with it its connections and schedule; a changed bus is stopped and
started anew, a removed one stopped, an added one started.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from collectors.modbus.planner import ReadRequest, plan_requests
from collectors.modbus.poller import BusPoller, PolledDevice
from collectors.status import StatusBoard
from collectors.tasks import cancel_and_wait
from config.catalog import build_catalog
from config.loader import Site
from config.models import Bus
from sensors import FieldSpec
from storage.stream import ReadingStream

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BusPlan:
    """What one bus's poller is built from: equal plans poll alike."""

    bus: Bus
    devices: tuple[PolledDevice, ...]
    molar_volume: float


def plan_buses(site: Site) -> dict[str, BusPlan]:
    """The plan of every bus that has a polled device, by bus id (profiles are checked at load to be plannable)."""
    fields: dict[str, list[FieldSpec]] = {}
    for info in build_catalog(site).values():  # enabled points only
        fields.setdefault(info.device, []).append(info.field)
    by_bus: dict[str, list[PolledDevice]] = {}
    for device in site.config.devices:
        if device.id not in fields:
            log.info("%s: every point is disabled, not polled", device.id)
            continue
        profile = site.profiles[device.profile]
        requests = plan_requests(
            fields[device.id],
            max_registers=profile.max_registers_per_request,
            max_bits=profile.max_bits_per_request,
            max_gap=profile.max_gap,
        )
        by_bus.setdefault(device.bus, []).append(PolledDevice(device, tuple(requests)))
    molar_volume = site.config.site.molar_volume
    return {
        bus.id: BusPlan(bus, tuple(by_bus[bus.id]), molar_volume)
        for bus in site.config.buses
        if bus.id in by_bus
    }


class ModbusCollector:
    """Polls every planned bus while `run` runs; `apply` takes a reloaded site without stopping the others."""

    def __init__(self, site: Site, stream: ReadingStream, board: StatusBoard) -> None:
        self._stream = stream
        self._board = board
        self._plans = plan_buses(site)
        self._pollers = {ident: self._poller(plan) for ident, plan in self._plans.items()}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None

    @property
    def plans(self) -> dict[str, list[ReadRequest]]:
        """Each polled device's requests, by device id."""
        return {device: plan for poller in self._pollers.values() for device, plan in poller.plans.items()}

    @property
    def pollers(self) -> dict[str, BusPoller]:
        """The running poller of each bus, by bus id."""
        return dict(self._pollers)

    async def probe(
        self, bus: str, unit: int, request: ReadRequest, *, answer_within: float
    ) -> list[int] | list[bool]:
        """Read `request` from `unit` on `bus` between its polls (commissioning a device).

        KeyError when `bus` is not polled (no device configured on it yet); ModbusError on failure.
        """
        return await self._pollers[bus].probe(unit, request, answer_within=answer_within)

    async def run(self) -> None:
        """Poll every bus until cancelled."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            for poller in self._pollers.values():
                self._start(poller)
            try:
                await asyncio.get_running_loop().create_future()  # buses come and go with `apply`
            finally:
                self._group = None

    async def apply(self, site: Site) -> list[str]:
        """Poll as `site` says: restart each bus whose plan changed; the ids of the buses stopped or started."""
        plans = plan_buses(site)
        touched = [ident for ident in {**self._plans, **plans} if self._plans.get(ident) != plans.get(ident)]
        await cancel_and_wait([self._tasks.pop(ident) for ident in touched if ident in self._tasks])
        for ident in touched:
            self._pollers.pop(ident, None)
            plan = plans.get(ident)
            if plan is not None:
                self._pollers[ident] = poller = self._poller(plan)
                if self._group is not None:
                    self._start(poller)
        self._plans = plans
        if touched:
            log.info("Modbus 总线已重启 / Modbus buses restarted: %s", ", ".join(touched))
        return touched

    def _poller(self, plan: BusPlan) -> BusPoller:
        return BusPoller(plan.bus, plan.devices, self._stream, self._board, molar_volume=plan.molar_volume)

    def _start(self, poller: BusPoller) -> None:
        assert self._group is not None
        ident = poller.bus.id
        self._tasks[ident] = self._group.create_task(poller.run(), name=f"modbus[{ident}]")
