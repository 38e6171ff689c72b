"""The servers: loopback only, silent on unknown units, read-only, started and stopped cleanly."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest
from pymodbus.exceptions import ModbusIOException

from collectors.simulator import Simulation, SimulationError
from config import Site
from tests.collectors.simulator.support import NIGHT, OPEN, Clock, make_site, read_raw, tcp_client
from tests.helpers import free_port

AQ = "{id: aq, bus: gw, address: 1, profile: air-7in1, zone: hall}"


def tcp_site(folder: Path, host: str, port: int, extra: str = "") -> Site:
    return make_site(
        folder, buses=[f"{{id: gw, transport: tcp, host: '{host}', port: {port}}}"], devices=[AQ], extra=extra
    )


@pytest.mark.parametrize("host", ["192.168.1.10", "0.0.0.0", "::", "gateway.local"])
def test_refuses_to_serve_beyond_loopback(tmp_path: Path, host: str) -> None:
    with pytest.raises(SimulationError, match=f"bus gw is tcp on {host}, not a loopback address"):
        Simulation(tcp_site(tmp_path, host, 502))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_accepts_loopback(tmp_path: Path, host: str) -> None:
    Simulation(tcp_site(tmp_path, host, 502))


def test_a_real_bus_left_out_of_the_simulator_is_not_checked(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        buses=["{id: lan, transport: tcp, host: 192.168.1.10}", "{id: gw, transport: tcp, host: 127.0.0.1}"],
        devices=[
            "{id: real, bus: lan, address: 1, profile: air-7in1}",
            AQ.replace("address: 1", "address: 2"),
        ],
        extra="simulator: {buses: [gw]}\n",
    )
    sim = Simulation(site)
    with pytest.raises(SimulationError, match="'real' is not a device on a simulated bus"):
        sim.value("real", "co2")


def test_an_rtu_bus_needs_the_simulators_end_of_the_line(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        buses=["{id: rs485, transport: rtu, port: /dev/ttyUSB0}"],
        devices=["{id: th, bus: rs485, address: 1, profile: th-rs-ws-n01}"],
    )
    with pytest.raises(SimulationError, match=r"serial_ports=\{'rs485': "):
        Simulation(site)


async def test_unknown_units_are_silent_and_the_map_is_enforced(tmp_path: Path) -> None:
    port = free_port()
    site = tcp_site(tmp_path, "127.0.0.1", port)
    co2 = site.profiles["air-7in1"].field("co2")
    async with Simulation(site, clock=Clock()), tcp_client(port) as client:
        with pytest.raises(ModbusIOException):
            await read_raw(client, 9, co2)
        beyond = await client.read_holding_registers(0, count=10, device_id=1)  # the map ends at 0x0008
        assert beyond.isError()
        assert beyond.exception_code == 2
        unsupported = await client.read_input_registers(0, count=1, device_id=1)
        assert unsupported.exception_code == 1
        gap = await client.read_holding_registers(0, count=9, device_id=1)  # 4 and 6 are unused: served as 0
        assert (gap.registers[4], gap.registers[6]) == (0, 0)
        refused = await client.write_register(8, 400, device_id=1)
        assert refused.exception_code == 1


async def test_logs_each_bus_and_frees_its_port_on_exit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    site = tcp_site(tmp_path, "127.0.0.1", port)
    caplog.set_level(logging.INFO, logger="anjing.simulator")
    for _ in range(2):  # the second start needs the port the first one gave back
        async with Simulation(site, clock=Clock()), tcp_client(port) as client:
            assert not (await client.read_holding_registers(8, count=1, device_id=1)).isError()
            assert any(t.get_name() == "anjing.simulator" for t in asyncio.all_tasks())
        assert not any(t.get_name() == "anjing.simulator" for t in asyncio.all_tasks())
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    assert f"simulator: serving 1 devices on gw (tcp 127.0.0.1:{port})" in caplog.messages


async def test_a_port_in_use_is_an_error_and_nothing_stays_bound(tmp_path: Path) -> None:
    first, taken = free_port(), free_port()
    site = make_site(
        tmp_path,
        buses=[
            f"{{id: gw, transport: tcp, host: 127.0.0.1, port: {first}}}",
            f"{{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {taken}}}",
        ],
        devices=[AQ],
    )
    with socket.create_server(("127.0.0.1", taken)):
        with pytest.raises(SimulationError, match=f"cannot serve bus line on rtu-over-tcp 127.0.0.1:{taken}"):
            async with Simulation(site):
                pass
        with socket.create_server(("127.0.0.1", first)):
            pass  # the first bus's server was stopped


async def test_the_update_task_keeps_the_registers_current(tmp_path: Path) -> None:
    port = free_port()
    clock = Clock(NIGHT)
    site = tcp_site(tmp_path, "127.0.0.1", port)
    co2 = site.profiles["air-7in1"].field("co2")
    async with Simulation(site, clock=clock, interval=0.02) as sim, tcp_client(port) as client:
        night = await read_raw(client, 1, co2)
        clock.now = OPEN  # seven hours on: the hall fills up
        await asyncio.sleep(0.2)
        day = await read_raw(client, 1, co2)
    assert day[0] > night[0] + 100
    assert float(day[0]) == sim.value("aq", "co2")
