"""Events change what the devices serve: over the wire when triggered, on time when scheduled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pymodbus.exceptions import ModbusIOException

from collectors.simulator import Simulation, SimulationError
from config import Site
from sensors import Quality
from tests.collectors.simulator.support import Clock, make_site, read_field, read_raw, tcp_client
from tests.helpers import free_port


def safety_site(folder: Path, ports: Ports, extra: str = "") -> Site:
    """The safety gateway's devices on Modbus TCP, and two environmental ones on an RS-485 line."""
    return make_site(
        folder,
        buses=[
            f"{{id: gw, transport: tcp, host: 127.0.0.1, port: {ports.gw}}}",
            f"{{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {ports.line}}}",
        ],
        devices=[
            "{id: em, bus: gw, address: 1, profile: emergency-gateway, zone: stair}",
            "{id: doors, bus: gw, address: 2, profile: door-monitor, zone: stair}",
            "{id: ext, bus: gw, address: 3, profile: extinguisher-gauge, zone: hall}",
            "{id: aq, bus: line, address: 1, profile: air-7in1, zone: hall}",
            "{id: lux, bus: line, address: 2, profile: lux-nhzd210, zone: hall}",
        ],
        extra=extra,
    )


@dataclass(frozen=True)
class Ports:
    gw: int
    line: int


@pytest.fixture
def ports() -> Ports:
    gw, line = free_port(), free_port()
    while line == gw:
        line = free_port()
    return Ports(gw, line)


async def test_lamp_fault_and_main_power_loss(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    em = site.profiles["emergency-gateway"]
    async with Simulation(site, clock=Clock()) as sim, tcp_client(ports.gw) as client:

        async def state(key: str) -> str | None:
            return (await read_field(client, 1, em.field(key))).state

        sim.trigger("em", "lamp_fault", point="lamp_3")
        assert [await state(k) for k in ("lamp_2", "lamp_3")] == ["normal", "fault"]
        assert sim.value("em", "lamp_3") == 2.0
        sim.trigger("em", "main_power_loss")
        assert await state("main_power") == "off"
        assert [await state(f"lamp_{n}") for n in (1, 3)] == ["emergency", "fault"]  # a fault stays a fault
        sim.clear("em", "main_power_loss")
        assert [await state(k) for k in ("main_power", "lamp_1", "lamp_3")] == ["on", "normal", "fault"]
        sim.clear("em")
        assert await state("lamp_3") == "normal"


async def test_test_overdue_ages_the_self_test_records(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    em = site.profiles["emergency-gateway"]
    records = ("function_test_age", "discharge_test_age", "discharge_duration")
    async with Simulation(site, clock=Clock()) as sim, tcp_client(ports.gw) as client:

        async def served() -> list[float | None]:
            return [(await read_field(client, 1, em.field(key))).value for key in records]

        normal = await served()
        assert normal == [sim.value("em", key) for key in records]
        sim.trigger("em", "test_overdue", point="discharge_test_age")
        sim.update()  # a record is a measurement: it shows the event at the next update
        assert await served() == [normal[0], 395, normal[2]]  # only the point's record
        sim.trigger("em", "test_overdue")
        sim.update()
        assert await served() == [45, 395, normal[2]]  # every test age; the last result stays
        sim.clear("em", "test_overdue")
        sim.update()
        assert await served() == normal


async def test_door_propped_and_exit_blocked(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    doors = site.profiles["door-monitor"]
    async with Simulation(site, clock=Clock()) as sim, tcp_client(ports.gw) as client:
        sim.trigger("doors", "door_propped", point="door_2")
        sim.trigger("doors", "exit_blocked", point="exit_4")
        states = [(await read_field(client, 2, spec)).state for spec in doors.fields]
        assert states == ["closed", "open", "closed", "closed", "clear", "clear", "clear", "blocked"]
        assert await read_raw(client, 2, doors.field("door_2")) == [1]


async def test_fault_code_serves_no_value(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    aq, lux = site.profiles["air-7in1"], site.profiles["lux-nhzd210"]
    async with Simulation(site, clock=Clock()) as sim, tcp_client(ports.line, rtu=True) as client:
        sim.trigger("aq", "fault_code")
        sim.trigger("lux", "fault_code")
        assert await read_raw(client, 1, aq.field("co2")) == [0x7FFF]
        for spec in aq.fields:
            assert (await read_field(client, 1, spec)).quality is Quality.BAD, spec.key
            assert sim.value("aq", spec.key) is None
        assert await read_raw(client, 2, lux.field("illuminance")) == [0xFFFF, 0xFFFF]  # its own fault code
        assert (await read_field(client, 2, lux.field("illuminance"))).quality is Quality.BAD
        sim.clear("aq")
        reading = await read_field(client, 1, aq.field("co2"))
        assert reading.quality is Quality.GOOD
        assert reading.value == sim.value("aq", "co2")


async def test_a_dead_unit_is_silent_while_its_neighbour_answers(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    co2, lux = site.profiles["air-7in1"].field("co2"), site.profiles["lux-nhzd210"].field("illuminance")
    async with Simulation(site, clock=Clock()) as sim, tcp_client(ports.line, rtu=True) as client:
        sim.trigger("aq", "dead")
        with pytest.raises(ModbusIOException):
            await read_raw(client, 1, co2)  # no answer at all: the client times out
        assert (await read_field(client, 2, lux)).quality is Quality.GOOD
        assert sim.value("aq", "co2") is None
        sim.clear("aq", "dead")
        assert (await read_field(client, 1, co2)).value == sim.value("aq", "co2")


def test_scheduled_events_start_and_end_on_time(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(
        tmp_path,
        ports,
        extra="""
        simulator:
          events:
            - {at: 1m, device: doors, point: door_3, kind: door_propped, duration: 2m}
            - {at: 30s, device: em, point: lamp_5, kind: lamp_fault}
            - {at: 2m, device: ext, kind: dead, duration: 10s}
        """,
    )
    clock = Clock()
    sim = Simulation(site, clock=clock)
    timeline = []
    for _ in range(5 * 6):  # five minutes, every ten seconds
        sim.update()
        timeline.append(
            (sim.value("doors", "door_3"), sim.value("em", "lamp_5"), sim.value("ext", "pressure"))
        )
        clock.advance(10)
    doors = [t[0] for t in timeline]
    assert doors == [0.0] * 6 + [1.0] * 12 + [0.0] * 12  # open from 60 s to 180 s
    assert [t[1] for t in timeline] == [0.0] * 3 + [2.0] * 27  # fault from 30 s, until cleared
    assert [t[2] is None for t in timeline] == [False] * 12 + [True] + [False] * 17


def test_measurement_events_move_values_and_let_go(tmp_path: Path, ports: Ports) -> None:
    site = safety_site(tmp_path, ports)
    clock = Clock()
    sim = Simulation(site, clock=clock)

    def run(seconds: int) -> list[tuple[float, float, float]]:
        seen = []
        for _ in range(seconds // 10):
            clock.advance(10)
            sim.update()
            seen.append(
                (sim.value("aq", "hcho") or 0, sim.value("aq", "co2") or 0, sim.value("ext", "pressure") or 0)
            )
        return seen

    run(600)
    sim.trigger("aq", "hcho_rise", duration=40 * 60)
    sim.trigger("aq", "co2_crowd", duration=30 * 60)
    sim.trigger("ext", "pressure_loss")
    during = run(30 * 60)
    hcho, co2, pressure = zip(*during, strict=True)
    assert 0.15 <= max(hcho) <= 0.21  # after cleaning
    assert hcho[-1] < 0.07  # decaying toward the end of its 40 minutes
    assert max(co2) > 1500
    assert min(pressure) < 0.6
    after = run(30 * 60)
    assert all(0.02 <= h <= 0.05 for h, _, _ in after[-30:])
    assert all(c < 1000 for _, c, _ in after[-30:])
    assert all(p < 0.6 for _, _, p in after)  # a leak lasts until cleared
    sim.clear("ext")
    assert all(1.2 <= p <= 1.35 for _, _, p in run(10 * 60)[-20:])


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (("aq", "lamp_fault", None), "has no lamp_state field"),
        (("em", "lamp_fault", "battery"), "point 'battery' is not a lamp_state field"),
        (("em", "test_overdue", "discharge_duration"), "not a function_test_age or discharge_test_age field"),
        (("doors", "test_overdue", None), "has no function_test_age or discharge_test_age field"),
        (("em", "dead", "lamp_1"), "silent as a whole"),
        (("doors", "fault_code", None), "has no measurement"),
        (("em", "earthquake", None), "unknown event kind 'earthquake'"),
        (("nobody", "dead", None), "'nobody' is not a device on a simulated bus"),
    ],
)
def test_an_event_the_device_cannot_show_is_refused(
    tmp_path: Path, ports: Ports, event: tuple[str, str, str | None], message: str
) -> None:
    sim = Simulation(safety_site(tmp_path, ports), clock=Clock())
    device, kind, point = event
    with pytest.raises(SimulationError, match=message):
        sim.trigger(device, kind, point=point)


def test_a_scheduled_event_is_checked_before_anything_starts(tmp_path: Path, ports: Ports) -> None:
    extra = """
    simulator:
      buses: [gw]
      events: [{at: 0, device: aq, kind: co2_crowd}]
    """
    with pytest.raises(
        SimulationError, match="'aq' is not a device on a simulated bus; simulated: em, doors, ext"
    ):
        Simulation(safety_site(tmp_path, ports, extra))
