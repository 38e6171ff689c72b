"""Answers that fail their CRC: counted per link and per device, and named as such, not as silence.

A serial server on loopback (RTU frames over TCP) answers every read with the right registers; while
`noisy`, it flips the CRC's last byte as a noisy RS-485 line would.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from collectors.modbus import DeviceTimeoutError, ModbusLink, plan_requests
from config.models import RtuOverTcpBus
from sensors import FieldSpec, Quantity
from tests.collectors.modbus.harness import collecting, eventually, make_site


def crc16(frame: bytes) -> bytes:
    """Modbus RTU's CRC-16, low byte first, computed here rather than taken from pymodbus."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


class SerialServer:
    """Answers FC03/FC04 reads of any unit with registers 0, 1, 2, …; a bad CRC while `noisy`."""

    def __init__(self) -> None:
        self.noisy = True
        self.answered = 0
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readexactly(8)  # unit, function, address, count, CRC
                unit, function, _, count = struct.unpack(">BBHH", request[:6])
                assert crc16(request[:6]) == request[6:]
                body = bytes([unit, function, 2 * count]) + b"".join(
                    struct.pack(">H", i) for i in range(count)
                )
                crc = crc16(body)
                writer.write(body + (crc[:1] + bytes([crc[1] ^ 0xFF]) if self.noisy else crc))
                self.answered += 1
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[SerialServer]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        async with server:
            yield self
        server.close()


@pytest.fixture
async def serial_server() -> AsyncIterator[SerialServer]:
    async with SerialServer().running() as server:
        yield server


def _line(port: int) -> RtuOverTcpBus:
    return RtuOverTcpBus(id="line", transport="rtu-over-tcp", host="127.0.0.1", port=port, timeout=0.3)


async def test_a_bad_crc_is_counted_and_named(serial_server: SerialServer) -> None:
    fields = [FieldSpec("h", Quantity.HUMIDITY, 0), FieldSpec("t", Quantity.TEMPERATURE, 1)]
    (request,) = plan_requests(fields, max_gap=0)
    async with ModbusLink(_line(serial_server.port)) as link:
        with pytest.raises(DeviceTimeoutError, match=r"line unit 7 FC03 .*failed its CRC check"):
            await link.read(request, 7, timeout=0.3)
        assert (link.bad_frames, serial_server.answered) == (1, 1)
        serial_server.noisy = False
        assert await link.read(request, 7, timeout=0.3) == [0, 1]
        assert link.bad_frames == 1


async def test_the_poller_counts_bad_crcs_on_the_device(tmp_path: Path, serial_server: SerialServer) -> None:
    bus = {"id": "line", "transport": "rtu-over-tcp", "host": "127.0.0.1", "port": serial_server.port}
    devices = [
        {"id": "th-1", "bus": "line", "address": 1, "profile": "th-rs-ws-n01", "poll": "200ms", "retries": 0},
        {"id": "th-2", "bus": "line", "address": 2, "profile": "th-rs-ws-n01", "poll": "200ms", "retries": 0},
    ]
    site = make_site(tmp_path, [{**bus, "timeout": "200ms"}], devices)
    async with collecting(site) as running:
        th1, th2 = running.board.get("th-1"), running.board.get("th-2")
        assert th1 is not None
        assert th2 is not None
        await eventually(lambda: th1.crc_errors >= 2 and th2.crc_errors >= 2, within=5, what="bad CRCs")
        assert th1.crc_errors <= th1.timeouts  # each bad answer also ended its request without a value
        assert "CRC" in (th1.last_error or "")
        serial_server.noisy = False
        await eventually(lambda: th1.online is True and th2.online is True, within=5, what="recovered")
        counted = th1.crc_errors + th2.crc_errors
        await asyncio.sleep(0.5)
        assert th1.crc_errors + th2.crc_errors == counted
