"""Per-device health, owned by the pollers and read by the API: a failure is state, not an exception."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class DeviceStatus:
    """The live state of one device.

    `online` is None until the device first answers or goes offline (`offline_after` failed polls in
    a row): a few failed polls of a device that never answered yet are not yet "offline".
    """

    device: str
    bus: str
    address: int
    online: bool | None = None
    last_good: datetime | None = None  # time of the last poll that answered
    last_error: str | None = None
    polls: int = 0
    failed_polls: int = 0
    consecutive_failures: int = 0
    requests: int = 0  # Modbus transactions sent, retries included
    timeouts: int = 0
    exceptions: int = 0  # Modbus exception responses (illegal address, busy, …)
    crc_errors: int = 0  # Modbus RTU answers that failed their CRC check (each also ends as a timeout)
    poll_seconds: float = 0.0  # time spent in polls, waits for the line included
    line_seconds: float = 0.0  # time its transactions held the line (or a gateway connection)
    overruns: int = 0  # scheduled polls skipped because earlier ones ran past their time
    next_poll: datetime | None = None
    messages: int = 0  # MQTT messages received
    rejected: dict[str, dict[str, int]] = field(default_factory=dict)  # MQTT: topic → reason → count


class StatusBoard:
    """All devices' status, by device id. The pollers write, everyone else reads."""

    def __init__(self) -> None:
        self._devices: dict[str, DeviceStatus] = {}

    def register(self, device: str, bus: str, address: int) -> DeviceStatus:
        """The device's status, created the first time: a poller started again keeps its counters
        (and takes the bus and address a reloaded config gives it)."""
        status = self._devices.setdefault(device, DeviceStatus(device, bus, address))
        status.bus, status.address = bus, address
        return status

    def get(self, device: str) -> DeviceStatus | None:
        return self._devices.get(device)

    def retain(self, devices: Collection[str]) -> list[str]:
        """Forget every device not in `devices` (removed by a reload); the ids forgotten."""
        gone = [ident for ident in self._devices if ident not in devices]
        for ident in gone:
            del self._devices[ident]
        return gone

    def __iter__(self) -> Iterator[DeviceStatus]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)
