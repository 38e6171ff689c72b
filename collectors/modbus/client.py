"""`ModbusLink`: one connection to a bus, and the only module that imports pymodbus' clients.

pymodbus changed its API in every minor release, so it stays behind this adapter, pinned to 3.16.
Everything it raises is mapped onto `collectors.modbus.errors` in one place, `_mapped`.

Its own retry machinery is turned off because it fights ours: `retries=0` (the poller retries per
device), `reconnect_delay=0` (no background reconnect task: the link reconnects on the next read
after a link error), and its timers are set far beyond ours. Every wait is bounded here with
`asyncio.timeout` instead, so pymodbus never counts "no response" on its own — after `retries + 3`
of those it closes the connection, which on a shared RS-485 line would punish every live slave
for one dead one.

RTU frames that fail their CRC are counted here (`bad_frames`): pymodbus drops such a frame with only
a debug log and the request then times out, so noise, wiring or a wrong baud rate would otherwise
look like a silent slave. The count comes from wrapping the framer of pymodbus' transaction
manager (`client.ctx.framer`), an internal of the pinned 3.16 series.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from pymodbus import FramerType
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.framer import FramerRTU

from collectors.modbus.errors import DeviceExceptionError, DeviceTimeoutError, LinkError
from collectors.modbus.planner import ReadRequest
from config.models import Bus, RtuBus, RtuOverTcpBus, TcpBus
from sensors import FunctionCode

_BACKSTOP = 3600.0  # pymodbus' own timers, in seconds: longer than any of ours, so they never fire


class ModbusLink:
    """One connection to a bus: one transaction at a time, with the bus's `frame_gap` of silence between.

    `async with link:` owns the connection's lifetime and may be repeated (not nested). It connects
    lazily, on the first read, and again on the first read after a link error, so a gateway that is
    down at start-up or reboots costs failed polls, not a crashed poller.
    """

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._client: Any = None  # a pymodbus async client while open
        self._lock = asyncio.Lock()
        self._quiet_until = 0.0  # loop time before which the line must stay silent
        self.bad_frames = 0  # RTU frames received that failed their CRC check

    @property
    def endpoint(self) -> str:
        return self.bus.port if isinstance(self.bus, RtuBus) else f"{self.bus.host}:{self.bus.port}"

    @property
    def connected(self) -> bool:
        """Connected, and the connection not closed under us. pymodbus 3.16 keeps a transport that the peer
        closed while `connect()` was still returning (a gateway that accepts and hangs up at once, being
        busy or its serial side gone) and calls itself connected for good; every write then fails quietly."""
        if self._client is None or not self._client.connected:
            return False
        transport = self._client.ctx.transport
        return transport is not None and not transport.is_closing()

    async def __aenter__(self) -> Self:
        if self._client is not None:
            raise RuntimeError(f"{self.bus.id}: link to {self.endpoint} is already open")
        self._client = _client_for(self.bus)
        framer = self._client.ctx.framer
        if isinstance(framer, FramerRTU):
            self._client.ctx.framer = _CheckedRtuFramer(framer.decoder, self._bad_frame)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def read(
        self,
        request: ReadRequest,
        device_id: int,
        *,
        timeout: float,  # noqa: ASYNC109 - it bounds the answer only, not the wait for the line
    ) -> list[int] | list[bool]:
        """Read `request` from unit `device_id`.

        `timeout` bounds the answer, not the wait for the line; connecting first, when needed, is
        bounded by the bus's timeout.
        """
        if self._client is None:
            raise RuntimeError(f"{self.bus.id}: link is not open; use `async with link:`")
        loop = asyncio.get_running_loop()
        async with self._lock:
            await asyncio.sleep(self._quiet_until - loop.time())
            try:
                return await self._transact(request, device_id, timeout)
            finally:
                self._quiet_until = loop.time() + self.bus.frame_gap
                _restore_cancellation()

    def _bad_frame(self) -> None:
        self.bad_frames += 1

    async def _transact(self, request: ReadRequest, unit: int, within: float) -> list[int] | list[bool]:
        with self._mapped(request, unit, within, self.bad_frames):
            if not self.connected:
                self._drop()  # a closed transport pymodbus still holds
                async with asyncio.timeout(self.bus.timeout):
                    connected = await self._client.connect()
                if not connected:
                    detail = f"无法连接 / cannot connect to {self.endpoint}"
                    raise LinkError(self.bus.id, unit, request, detail)
            async with asyncio.timeout(within):
                response = await _send(self._client, request, unit)
        if response.isError():
            raise DeviceExceptionError(self.bus.id, unit, request, int(response.exception_code))
        values: list[int] | list[bool] = (
            response.bits[: request.count] if request.function_code.is_bits else response.registers
        )
        if len(values) != request.count:
            detail = f"应答长度不符 / answered {len(values)} values for {request.count}"
            raise DeviceTimeoutError(self.bus.id, unit, request, detail)
        return values

    @contextmanager
    def _mapped(self, request: ReadRequest, unit: int, timeout: float, bad_frames: int) -> Iterator[None]:
        """The one boundary where pymodbus' and the OS's errors become ours."""
        try:
            yield
        except TimeoutError as exc:  # before OSError, of which it is a subclass
            if self.connected and self.bad_frames > bad_frames:
                detail = (
                    f"应答 CRC 校验失败 / the answer failed its CRC check within {timeout:g} s "
                    "— noise, wiring, termination or a wrong baud rate?"
                )
                raise DeviceTimeoutError(self.bus.id, unit, request, detail) from exc
            if self.connected:
                detail = f"无应答 / no answer within {timeout:g} s"
                raise DeviceTimeoutError(self.bus.id, unit, request, detail) from exc
            self._drop()
            detail = f"连接超时或中断 / no connection to {self.endpoint} within {self.bus.timeout:g} s"
            raise LinkError(self.bus.id, unit, request, detail) from exc
        except (ConnectionException, OSError) as exc:
            self._drop()
            detail = f"无法连接或连接中断 / cannot connect to {self.endpoint}, or the connection was lost"
            raise LinkError(self.bus.id, unit, request, detail) from exc
        except ModbusException as exc:  # a mismatched or undecodable answer: no usable answer
            detail = f"应答无效 / unusable answer: {exc}"
            raise DeviceTimeoutError(self.bus.id, unit, request, detail) from exc

    def _drop(self) -> None:
        """Close the connection; the next read opens a new one."""
        if self._client is not None:
            self._client.close()


class _CheckedRtuFramer(FramerRTU):
    """pymodbus' RTU framer, telling `on_bad_frame` of every frame it drops for a failed CRC."""

    def __init__(self, decoder: Any, on_bad_frame: Callable[[], None]) -> None:
        super().__init__(decoder)
        self._on_bad_frame = on_bad_frame

    def decode(self, data: bytes) -> tuple[int, int, int, bytes]:
        used, unit, tid, frame = super().decode(data)
        if used and not frame:  # input consumed, no frame: in 3.16 only a failed CRC does that
            self._on_bad_frame()
        return used, unit, tid, frame


def _restore_cancellation() -> None:
    """Re-raise a cancellation that pymodbus swallowed.

    On Python 3.11, `asyncio.wait_for` (which pymodbus uses to connect and to await an answer)
    returns the result instead of raising when the task is cancelled just as the answer arrives;
    a poller would then never stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _client_for(bus: Bus) -> Any:
    common: dict[str, Any] = {"timeout": _BACKSTOP, "retries": 0, "reconnect_delay": 0, "name": bus.id}
    match bus:
        case TcpBus():
            return AsyncModbusTcpClient(bus.host, port=bus.port, **common)
        case RtuOverTcpBus():
            return AsyncModbusTcpClient(bus.host, port=bus.port, framer=FramerType.RTU, **common)
        case RtuBus():
            return AsyncModbusSerialClient(
                bus.port,
                baudrate=bus.baudrate,
                parity=bus.parity,
                stopbits=bus.stopbits,
                bytesize=bus.bytesize,
                framer=FramerType.RTU,
                **common,
            )


async def _send(client: Any, request: ReadRequest, unit: int) -> Any:
    match request.function_code:
        case FunctionCode.COILS:
            read = client.read_coils
        case FunctionCode.DISCRETE_INPUTS:
            read = client.read_discrete_inputs
        case FunctionCode.HOLDING_REGISTERS:
            read = client.read_holding_registers
        case FunctionCode.INPUT_REGISTERS:
            read = client.read_input_registers
    return await read(request.address, count=request.count, device_id=unit)
