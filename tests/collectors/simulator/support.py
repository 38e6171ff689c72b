"""Helpers of the simulator tests: a settable clock, small sites on free ports, a plain pymodbus client."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pymodbus import FramerType
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.client.base import ModbusBaseClient

from config import Site, load_site
from sensors import FieldSpec, FunctionCode, Reading, decode_field

OPEN = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai: the center is open
NIGHT = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)  # Monday 03:00 in Shanghai


@dataclass
class Clock:
    now: datetime = OPEN

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_site(folder: Path, *, buses: list[str], devices: list[str], extra: str = "") -> Site:
    """A site with a hall and a stairwell; `buses` and `devices` are flow-style YAML mappings."""
    lines = [
        "site: {name: 测试中心, timezone: Asia/Shanghai}",
        "zones:",
        "  - {id: hall, name: 服务大厅, kind: service_hall}",
        "  - {id: stair, name: 楼梯间, kind: stairwell}",
        "buses:",
        *(f"  - {bus}" for bus in buses),
        "devices:",
        *(f"  - {device}" for device in devices),
    ]
    path = folder / "site.yaml"
    path.write_text("\n".join(lines) + "\n" + textwrap.dedent(extra), encoding="utf-8")
    return load_site(path)


@asynccontextmanager
async def tcp_client(port: int, *, rtu: bool = False) -> AsyncIterator[AsyncModbusTcpClient]:
    """A plain pymodbus client with a short timeout and no retries: a silent unit fails fast."""
    framer = FramerType.RTU if rtu else FramerType.SOCKET
    client = AsyncModbusTcpClient("127.0.0.1", port=port, framer=framer, timeout=0.3, retries=0)
    assert await client.connect()
    try:
        yield client
    finally:
        client.close()


async def read_raw(client: ModbusBaseClient, unit: int, spec: FieldSpec) -> list[int]:
    """The field's registers (or its one bit as 0/1) as the device answers them."""
    address, count = spec.address, spec.count
    match spec.function_code:
        case FunctionCode.COILS:
            response = await client.read_coils(address, count=count, device_id=unit)
        case FunctionCode.DISCRETE_INPUTS:
            response = await client.read_discrete_inputs(address, count=count, device_id=unit)
        case FunctionCode.HOLDING_REGISTERS:
            response = await client.read_holding_registers(address, count=count, device_id=unit)
        case FunctionCode.INPUT_REGISTERS:
            response = await client.read_input_registers(address, count=count, device_id=unit)
    assert not response.isError(), response
    if spec.function_code.is_bits:
        return [int(bit) for bit in response.bits[:count]]
    return list(response.registers)


async def read_field(
    client: ModbusBaseClient, unit: int, spec: FieldSpec, *, molar_volume: float = 22.414
) -> Reading:
    raw = await read_raw(client, unit, spec)
    return decode_field(spec, raw, sensor=spec.key, ts=datetime.now(UTC), molar_volume=molar_volume)
