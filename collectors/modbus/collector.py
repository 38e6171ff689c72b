"""`ModbusCollector`: every Modbus bus of a site, one `BusPoller` each, planned before any I/O."""

from __future__ import annotations

import asyncio
import logging

from collectors.modbus.planner import ReadRequest, plan_requests
from collectors.modbus.poller import BusPoller, PolledDevice
from collectors.status import StatusBoard
from config.catalog import build_catalog
from config.loader import Site
from sensors import FieldSpec
from storage.stream import ReadingStream

log = logging.getLogger(__name__)


class ModbusCollector:
    """Builds the read plan of every device and polls them (profiles are checked at load to be plannable)."""

    def __init__(self, site: Site, stream: ReadingStream, board: StatusBoard) -> None:
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
        self._pollers = [
            BusPoller(bus, by_bus[bus.id], stream, board, molar_volume=molar_volume)
            for bus in site.config.buses
            if bus.id in by_bus
        ]

    @property
    def plans(self) -> dict[str, list[ReadRequest]]:
        """Each polled device's requests, by device id."""
        return {device: plan for poller in self._pollers for device, plan in poller.plans.items()}

    async def run(self) -> None:
        """Poll every bus until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            for poller in self._pollers:
                tasks.create_task(poller.run(), name=f"modbus[{poller.bus.id}]")
