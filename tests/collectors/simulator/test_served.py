"""What the servers answer decodes, with `sensors.decode_field`, to what the simulator says it serves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pymodbus import FramerType
from pymodbus.client import AsyncModbusSerialClient
from pymodbus.client.base import ModbusBaseClient

from collectors.simulator import Simulation
from config import SHIPPED_PROFILES, Site, load_profiles
from sensors import Quality
from tests.collectors.simulator.support import Clock, make_site, read_field, tcp_client
from tests.helpers import free_port

SHIPPED = sorted(load_profiles([SHIPPED_PROFILES]))
PLAUSIBLE = {  # decoded values in a plausible range prove the inverse scaling, not just a round trip
    "co2": (400, 1000),
    "temperature": (20, 26),
    "humidity": (35, 60),
    "pm2_5": (10, 40),
    "pm10": (20, 70),
    "hcho": (0.02, 0.05),
    "tvoc": (0.1, 0.3),
    "illuminance": (300, 600),
    "extinguisher_pressure": (1.2, 1.35),
    "battery_voltage": (3.4, 27.6),
    "function_test_age": (0, 29),  # days: a monthly cycle
    "discharge_test_age": (0, 364),  # days: a yearly cycle
    "discharge_duration": (80, 100),  # minutes: a healthy battery, well over 0.5 h
    "nh3": (0.01, 0.1),  # mg/m³, from 0.01 ppm registers: a clean restroom
    "co": (0.2, 3.0),  # mg/m³, from 0.1 ppm registers: a garage without idling cars
}
# every data type and byte order, a unit needing the molar volume, an offset, two bits of a register, a coil
ALL_TYPES = """
id: all-types
name: 全类型测试设备
fields:
  - {key: t16, quantity: temperature, address: 0, data_type: int16, scale: 0.1}
  - {key: t32, quantity: temperature, address: 1, data_type: int32, byte_order: CDAB, scale: 0.01}
  - {key: co2, quantity: co2, address: 3, data_type: uint32, byte_order: BADC}
  - {key: pm, quantity: pm2_5, address: 5, data_type: float32, byte_order: DCBA}
  - {key: rh, quantity: humidity, address: 7, data_type: float32}
  - {key: tvoc, quantity: tvoc, address: 9, unit: ppb}
  - {key: t_offset, quantity: temperature, address: 10, scale: 0.1, offset: -40}
  - {key: hcho, quantity: hcho, address: 11, data_type: uint16, byte_order: BADC, unit: ug/m3}
  - {key: lamp, quantity: lamp_state, address: 20, bit: 0, states: {0: normal, 1: fault}}
  - {key: door, quantity: door_state, address: 20, bit: 3, states: {0: closed, 1: open}}
  - {key: exit, quantity: exit_blocked, address: 0, function_code: 1}
  - {key: power, quantity: main_power, address: 21, states: {1: 'on', 0: 'off'}}
  - {key: battery_voltage, quantity: battery_voltage, address: 0, function_code: 4, scale: 0.01}
"""


async def assert_served(client: ModbusBaseClient, site: Site, sim: Simulation) -> int:
    """Read every field of every device; return how many were checked."""
    checked = 0
    for device in site.config.devices:
        for spec in site.profiles[device.profile].fields:
            reading = await read_field(
                client, device.address, spec, molar_volume=site.config.site.molar_volume
            )
            where = f"{device.id}.{spec.key}"
            assert reading.quality is Quality.GOOD, where
            assert reading.value == pytest.approx(sim.value(device.id, spec.key), abs=1e-6), where
            if spec.quantity.info.is_state:
                assert reading.state == spec.quantity.info.states[0], where
            else:
                low, high = PLAUSIBLE[spec.quantity.value]
                assert reading.value is not None
                assert low <= reading.value <= high, (where, reading.value)
            checked += 1
    return checked


async def test_every_shipped_profile_serves_what_the_simulator_holds(tmp_path: Path) -> None:
    port = free_port()
    devices = [
        f"{{id: d{i}, bus: gw, address: {i + 1}, profile: {p}, zone: hall}}" for i, p in enumerate(SHIPPED)
    ]
    site = make_site(
        tmp_path, buses=[f"{{id: gw, transport: tcp, host: 127.0.0.1, port: {port}}}"], devices=devices
    )
    async with Simulation(site, clock=Clock()) as sim, tcp_client(port) as client:
        checked = await assert_served(client, site, sim)
    assert checked == sum(len(site.profiles[p].fields) for p in SHIPPED)


async def test_every_data_type_and_byte_order_over_rtu_framing(tmp_path: Path) -> None:
    """RTU frames over TCP, as a transparent serial server carries them."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "all-types.yaml").write_text(textwrap.dedent(ALL_TYPES), encoding="utf-8")
    port = free_port()
    site = make_site(
        tmp_path,
        buses=[f"{{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {port}}}"],
        devices=["{id: probe, bus: line, address: 7, profile: all-types, zone: hall}"],
        extra="profile_dirs: [profiles]\n",
    )
    async with Simulation(site, clock=Clock()) as sim, tcp_client(port, rtu=True) as client:
        assert await assert_served(client, site, sim) == 13
        sim.trigger("probe", "lamp_fault")
        sim.trigger("probe", "door_propped")  # the other bit of the same register
        profile = site.profiles["all-types"]
        lamp = await read_field(client, 7, profile.field("lamp"))
        door = await read_field(client, 7, profile.field("door"))
        assert (lamp.state, door.state) == ("fault", "open")


async def test_rtu_over_a_pty_pair(tmp_path: Path, pty_pair: tuple[str, str]) -> None:
    client_end, server_end = pty_pair
    site = make_site(
        tmp_path,
        buses=[f"{{id: rs485, transport: rtu, port: {client_end}, baudrate: 9600}}"],
        devices=[
            "{id: th, bus: rs485, address: 1, profile: th-rs-ws-n01, zone: hall}",
            "{id: lux, bus: rs485, address: 2, profile: lux-nhzd210, zone: hall}",
        ],
    )
    async with Simulation(site, serial_ports={"rs485": server_end}, clock=Clock()) as sim:
        client = AsyncModbusSerialClient(
            client_end, framer=FramerType.RTU, baudrate=9600, timeout=0.5, retries=0
        )
        assert await client.connect()
        try:
            assert await assert_served(client, site, sim) == 3
        finally:
            client.close()
