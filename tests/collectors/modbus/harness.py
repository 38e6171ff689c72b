"""Real Modbus slaves for the collector's tests (pymodbus' own servers), and a collector to run against them.

pymodbus 3.16's servers answer a request for a unit they don't hold with exception 4 even with
`ignore_missing_devices=True` (its `SimCore` raises KeyError where the request handler expects
`NoSuchIdException`). `Slaves` sits in front of the server's datastore and raises the latter, so an
absent unit stays silent as on a real line — and can come back by being added to `present`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymodbus import FramerType
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

from collectors import StatusBoard
from collectors.modbus import ModbusCollector
from config import Site, load_site
from sensors import DataType, Reading, encode
from storage.stream import ReadingStream
from tests.helpers import free_port


def registers(values: Mapping[int, tuple[float, DataType]], size: int) -> list[int]:
    """`size` holding/input registers with each value encoded (ABCD) at its address."""
    out = [0] * size
    for address, (value, data_type) in values.items():
        words = encode(value, data_type)
        out[address : address + len(words)] = words
    return out


def unit(*, hr: Sequence[int] = (), ir: Sequence[int] = (), di: Sequence[bool] = ()) -> ModbusDeviceContext:
    """One slave's data; protocol address 0 is each list's first item."""

    def block(values: Sequence[int] | Sequence[bool]) -> Any:
        return ModbusSequentialDataBlock(1, list(values)) if values else None  # type: ignore[no-untyped-call]

    return ModbusDeviceContext(hr=block(hr), ir=block(ir), di=block(di))


class Slaves:
    """The server's datastore, with units that can fall silent and come back."""

    def __init__(self, store: Any, present: set[int]) -> None:
        self._store = store
        self.present = present

    def device_ids(self) -> list[int]:
        return sorted(self.present)

    def _check(self, device_id: int) -> None:
        if device_id not in self.present:
            raise NoSuchIdException(f"unit {device_id} is silent")

    async def async_getValues(self, device_id: int, func_code: int, address: int, count: int = 1) -> Any:
        self._check(device_id)
        return await self._store.async_getValues(device_id, func_code, address, count)

    async def async_setValues(self, device_id: int, func_code: int, address: int, values: Any) -> Any:
        self._check(device_id)
        return await self._store.async_setValues(device_id, func_code, address, values)


@dataclass(slots=True)
class Served:
    server: Any
    slaves: Slaves
    port: int = 0  # TCP servers only


def _install(server: Any, units: Mapping[int, ModbusDeviceContext], silent: Collection[int]) -> Slaves:
    slaves = Slaves(server.context, set(units) - set(silent))
    server.context = slaves
    return slaves


@asynccontextmanager
async def tcp_slaves(
    units: Mapping[int, ModbusDeviceContext],
    *,
    port: int | None = None,
    silent: Collection[int] = (),
    rtu: bool = False,
) -> AsyncIterator[Served]:
    """A Modbus TCP gateway on loopback (`rtu`: a transparent serial server, RTU frames over TCP).

    The `silent` units hold data but don't answer yet.
    """
    port = port or free_port()
    server = ModbusTcpServer(
        ModbusServerContext(devices=dict(units), single=False),
        address=("127.0.0.1", port),
        framer=FramerType.RTU if rtu else FramerType.SOCKET,
        ignore_missing_devices=True,
    )
    slaves = _install(server, units, silent)
    await server.serve_forever(background=True)
    try:
        yield Served(server, slaves, port)
    finally:
        await server.shutdown()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def serial_slaves(
    units: Mapping[int, ModbusDeviceContext], *, port: str, silent: Collection[int] = ()
) -> AsyncIterator[Served]:
    """Slaves on one end of a serial line; the `silent` units hold data but don't answer yet."""
    server = ModbusSerialServer(
        ModbusServerContext(devices=dict(units), single=False),
        port=port,
        baudrate=9600,
        ignore_missing_devices=True,
    )
    slaves = _install(server, units, silent)
    await server.serve_forever(background=True)
    try:
        yield Served(server, slaves)
    finally:
        await server.shutdown()  # type: ignore[no-untyped-call]


def make_site(
    folder: Path,
    buses: list[dict[str, Any]],
    devices: list[dict[str, Any]],
    *,
    profile_dirs: Sequence[str] = (),
) -> Site:
    """A checked site of `buses` and `devices` (written as JSON, which is YAML)."""
    config = {
        "site": {"name": "测试中心"},
        "zones": [{"id": "hall", "name": "服务大厅", "kind": "service_hall"}],
        "buses": buses,
        "devices": devices,
        "profile_dirs": list(profile_dirs),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site.yaml"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return load_site(path)


@dataclass(slots=True)
class Collecting:
    collector: ModbusCollector
    stream: ReadingStream
    board: StatusBoard
    task: asyncio.Task[None]

    async def readings(self) -> list[Reading]:
        """Everything the pollers have delivered so far."""
        return await self.stream.get(100_000, wait=0)


@asynccontextmanager
async def collecting(site: Site) -> AsyncIterator[Collecting]:
    """A ModbusCollector running for the duration of the block, then cancelled as the runtime does."""
    stream, board = ReadingStream(100_000), StatusBoard()
    collector = ModbusCollector(site, stream, board)
    task = asyncio.create_task(collector.run(), name="test.modbus")
    try:
        yield Collecting(collector, stream, board, task)
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def eventually(check: Callable[[], bool], *, within: float, what: str) -> None:
    """Wait until `check()` holds, at most `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.01)
