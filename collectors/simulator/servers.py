"""One real pymodbus server per simulated bus: on loopback only, or on the far end of a serial pty pair.

The loopback rule is what keeps a demo from answering, on the LAN, for addresses that real devices
or gateways own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from pymodbus import FramerType
from pymodbus.server import ModbusBaseServer, ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import SimData, SimDevice

from collectors.simulator.datastore import BusDatastore
from collectors.simulator.errors import SimulationError
from config.models import Bus, RtuBus, TcpBus


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another host name: whatever it resolves to, it is not ours to bind


def check_bus(bus: Bus, serial_ports: Mapping[str, str]) -> None:
    """Refuse a bus the simulator must not or cannot serve, before anything starts."""
    if isinstance(bus, RtuBus):
        if bus.id not in serial_ports:
            raise SimulationError(
                f"simulator: bus {bus.id} is rtu on {bus.port}, the client's end of a serial line; pass the "
                f"other end, e.g. serial_ports={{{bus.id!r}: '/tmp/pty-b'}} for a socat pty pair"
            )
    elif not is_loopback(bus.host):
        raise SimulationError(
            f"simulator: bus {bus.id} is {bus.transport} on {bus.host}, not a loopback address: the "
            "simulator serves only on 127.0.0.1, ::1 or localhost, so that it never answers for real "
            "devices; point the bus there or leave it out of simulator.buses"
        )


def describe(bus: Bus, serial_ports: Mapping[str, str]) -> str:
    if isinstance(bus, RtuBus):
        return f"rtu {serial_ports[bus.id]} ↔ {bus.port}"
    return f"{bus.transport} {bus.host}:{bus.port}"


async def start_server(
    bus: Bus, datastore: BusDatastore, serial_ports: Mapping[str, str]
) -> ModbusBaseServer:
    """Start serving `datastore` for `bus` (check_bus must have accepted it)."""
    placeholder = [SimDevice(0, simdata=SimData(0))]  # replaced below: pymodbus insists on one
    server: ModbusBaseServer
    if isinstance(bus, RtuBus):
        server = ModbusSerialServer(
            placeholder,
            framer=FramerType.RTU,
            port=serial_ports[bus.id],
            baudrate=bus.baudrate,
            parity=bus.parity,
            stopbits=bus.stopbits,
            bytesize=bus.bytesize,
            ignore_missing_devices=True,
        )
    else:
        framer = FramerType.SOCKET if isinstance(bus, TcpBus) else FramerType.RTU
        server = ModbusTcpServer(
            placeholder, framer=framer, address=(bus.host, bus.port), ignore_missing_devices=True
        )
    server.context = datastore  # type: ignore[assignment]  # see datastore.py: silent units need our own
    try:
        await server.serve_forever(background=True)
    except RuntimeError as exc:
        raise SimulationError(
            f"simulator: cannot serve bus {bus.id} on {describe(bus, serial_ports)} (port in use, or no such "
            "serial device?)"
        ) from exc
    return server
