"""Modbus benchmark: what merging fields into requests saves on the demo site.

Run from the repository: `.venv/bin/python bench/modbus_bench.py` (about 12 s). For three plans —
one request per field, adjacent fields merged (`max_gap` 0), and the profiles' settings — it prints:

1. requests per poll cycle (every device of config/examples/demo-site.yaml polled once);
2. the RS-485 wire time of rs485-1's cycle at 4800 baud 8N1, from frame sizes (socat and loopback
   ignore baud rates, so this part is computed, not measured);
3. transactions/s and poll-cycle time measured over loopback against pymodbus servers, one per bus
   (RTU frames over TCP for rs485-1, Modbus TCP for lan), through `ModbusLink` — once without
   and once with the bus's configured `frame_gap`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import platform
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from pymodbus import FramerType
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusTcpServer

from collectors import StatusBoard
from collectors.modbus import ModbusCollector, ModbusLink, ReadRequest, plan_requests
from config import Site, load_site
from config.models import Bus, RtuOverTcpBus
from storage.stream import ReadingStream

DEMO = Path(__file__).resolve().parents[1] / "config" / "examples" / "demo-site.yaml"
BAUD = 4800  # the demo's transmitters (air-7in1, th-rs-ws-n01): 4800 8N1
CHAR_BITS = 10  # start + 8 data + stop
MEASURE_SECONDS = 2.0  # per bus and frame-gap setting, the plans taking turns

Plans = dict[str, list[ReadRequest]]


def strategies(site: Site) -> dict[str, Plans]:
    """The three plans of every device: per field, adjacent merged, and the profiles' settings."""
    profiled = ModbusCollector(site, ReadingStream(), StatusBoard()).plans
    fields = {device: [f for r in plan for f in r.fields] for device, plan in profiled.items()}
    return {
        "one per field": {d: [plan_requests([f], max_gap=0)[0] for f in fs] for d, fs in fields.items()},
        "max_gap 0": {d: plan_requests(fs, max_gap=0) for d, fs in fields.items()},
        "profiles": profiled,
    }


def wire_seconds(request: ReadRequest) -> float:
    """Request and response frames of one RTU transaction, each followed by 3.5 characters of silence."""
    payload = math.ceil(request.count / 8) if request.function_code.is_bits else 2 * request.count
    chars = 8 + 3.5 + (5 + payload) + 3.5
    return chars * CHAR_BITS / BAUD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def on_bus(plans: Plans, bus_of: dict[str, str], bus: str) -> Plans:
    return {device: plan for device, plan in plans.items() if bus_of[device] == bus}


def unit_data() -> ModbusDeviceContext:
    block: Any = ModbusSequentialDataBlock
    return ModbusDeviceContext(hr=block(1, [0] * 64), ir=block(1, [0] * 8), di=block(1, [False] * 8))


@asynccontextmanager
async def serving(site: Site) -> AsyncIterator[dict[str, Bus]]:
    """A pymodbus server per bus on a free loopback port; the buses re-pointed at them."""
    buses: dict[str, Bus] = {}
    async with AsyncExitStack() as stack:
        for bus in site.config.buses:
            units: dict[int, Any] = {d.address: unit_data() for d in site.config.devices if d.bus == bus.id}
            port = free_port()
            server: Any = ModbusTcpServer(
                ModbusServerContext(devices=units, single=False),
                address=("127.0.0.1", port),
                framer=FramerType.RTU if isinstance(bus, RtuOverTcpBus) else FramerType.SOCKET,
            )
            await server.serve_forever(background=True)
            stack.push_async_callback(server.shutdown)
            buses[bus.id] = bus.model_copy(update={"host": "127.0.0.1", "port": port})
        yield buses


async def measure(bus: Bus, plans: dict[str, Plans], units: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Per plan: median poll-cycle time of `bus` (every device once, one transaction at a time), tx/s.

    The plans take turns cycle by cycle, so that a burst of load elsewhere on the machine hits all alike.
    """
    requests = {name: [(units[d], r) for d, p in plan.items() for r in p] for name, plan in plans.items()}
    cycles: dict[str, list[float]] = {name: [] for name in plans}
    async with ModbusLink(bus) as link:
        first_unit, first = next(iter(requests.values()))[0]
        await link.read(first, first_unit, timeout=1)  # connect outside the timing
        deadline = time.perf_counter() + MEASURE_SECONDS
        while time.perf_counter() < deadline or min(map(len, cycles.values())) < 3:
            for name, cycle in requests.items():
                start = time.perf_counter()
                for unit, request in cycle:
                    await link.read(request, unit, timeout=1)
                cycles[name].append(time.perf_counter() - start)
    return {
        name: (statistics.median(c), len(requests[name]) / statistics.median(c)) for name, c in cycles.items()
    }


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print("  " + "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def count_table(plans: dict[str, Plans], bus_of: dict[str, str], bus_ids: list[str]) -> None:
    rows = []
    for name, plan in plans.items():
        per_bus = [sum(map(len, on_bus(plan, bus_of, b).values())) for b in bus_ids]
        rows.append([name, *map(str, per_bus), str(sum(per_bus))])
    table("Modbus requests per poll cycle (every device once)", ["plan", *bus_ids, "total"], rows)


def wire_table(plans: dict[str, Plans], bus_of: dict[str, str], line: RtuOverTcpBus) -> None:
    rows = []
    for name, plan in plans.items():
        requests = [r for p in on_bus(plan, bus_of, line.id).values() for r in p]
        wire = sum(map(wire_seconds, requests))
        rows.append(
            [name, f"{wire * 1000:.0f} ms", f"{(wire + len(requests) * line.frame_gap) * 1000:.0f} ms"]
        )
    table(
        f"{line.id} cycle on the wire at {BAUD} baud, computed (plus each slave's turnaround, 10–50 ms)",
        ["plan", "frames", f"frames + frame_gap {line.frame_gap * 1000:g} ms"],
        rows,
    )


async def measured_table(
    plans: dict[str, Plans],
    bus_of: dict[str, str],
    units: dict[str, int],
    buses: dict[str, Bus],
    *,
    gapped: bool,
) -> None:
    rows = {name: [name] for name in plans}
    for configured in buses.values():
        bus = configured if gapped else configured.model_copy(update={"frame_gap": 0.0})
        figures = await measure(bus, {n: on_bus(p, bus_of, bus.id) for n, p in plans.items()}, units)
        for name, (cycle, rate) in figures.items():
            rows[name] += [f"{cycle * 1000:.1f} ms", f"{rate:,.0f}/s"]
    gaps = ", ".join(f"{b.id} {b.frame_gap * 1000:g} ms" for b in buses.values()) if gapped else "0"
    header = ["plan", *(h for b in buses for h in (f"{b} cycle", f"{b} tx"))]
    table(f"measured over loopback, one transaction at a time, frame_gap {gaps}", header, list(rows.values()))


async def main() -> None:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # its deprecation notes about server contexts
    site = load_site(DEMO)
    plans = strategies(site)
    bus_of = {d.id: d.bus for d in site.config.devices}
    units = {d.id: d.address for d in site.config.devices}
    fields = sum(len(r.fields) for plan in plans["profiles"].values() for r in plan)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"site: {DEMO.name}, {len(units)} devices, {fields} enabled fields")
    count_table(plans, bus_of, [b.id for b in site.config.buses])
    wire_table(plans, bus_of, next(b for b in site.config.buses if isinstance(b, RtuOverTcpBus)))
    async with serving(site) as buses:
        for gapped in (False, True):
            await measured_table(plans, bus_of, units, buses, gapped=gapped)


if __name__ == "__main__":
    asyncio.run(main())
