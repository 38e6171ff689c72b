"""Modbus TCP end to end: pymodbus server → BusPoller → ReadingStream, with a gateway's failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from collectors.modbus import DeviceExceptionError, DeviceTimeoutError, LinkError, ModbusLink, plan_requests
from config.models import TcpBus
from sensors import DataType, FieldSpec, Quality, Quantity, Reading
from tests.collectors.modbus.harness import collecting, eventually, make_site, registers, tcp_slaves, unit
from tests.helpers import free_port

U16, I16, U32 = DataType.UINT16, DataType.INT16, DataType.UINT32


def gateway(port: int, **options: Any) -> dict[str, Any]:
    return {"id": "gw", "transport": "tcp", "host": "127.0.0.1", "port": port, "timeout": "300ms", **options}


def device(ident: str, address: int, profile: str, **options: Any) -> dict[str, Any]:
    return {"id": ident, "bus": "gw", "address": address, "profile": profile, "poll": "200ms", **options}


UNITS = {
    1: unit(hr=registers({0: (456, U16), 1: (-53, I16)}, 2)),  # 45.6 %RH, −5.3 °C
    2: unit(  # air quality: PM2.5 answers the fault code 0x7FFF
        hr=registers(
            {0: (0x7FFF, U16), 1: (80, U16), 2: (500, U16), 3: (235, I16), 5: (80, U16), 8: (812, U16)}, 9
        )
    ),
    3: unit(hr=[0, 1, 2, 0], di=[False, True, False, False]),  # doors: closed, open, fault, closed
    4: unit(ir=registers({0: (123_456, U32)}, 2)),  # 32-bit illuminance
    5: unit(hr=[0] * 4),  # configured as air quality, but holds 4 registers: the read of 9 is refused
    6: unit(hr=[0] * 32),  # emergency gateway, lamp_8 disabled in the site
}
DEVICES = [
    device("th-1", 1, "th-rs-ws-n01"),
    device("aq-1", 2, "air-7in1"),
    device("door-1", 3, "door-monitor"),
    device("lux-1", 4, "lux-nhzd210"),
    device("aq-bad", 5, "air-7in1"),
    device("em-1", 6, "emergency-gateway", points={"lamp_8": {"enabled": False}}),
]


def latest(readings: list[Reading]) -> dict[str, Reading]:
    return {r.sensor: r for r in readings}


async def test_readings_decoded_end_to_end(tmp_path: Path) -> None:
    async with tcp_slaves(UNITS) as served:
        site = make_site(tmp_path, [gateway(served.port)], DEVICES)
        async with collecting(site) as running:
            board = running.board
            await eventually(lambda: all(s.polls >= 2 for s in board), within=5, what="two polls of each")
            readings = await running.readings()

    values = latest(readings)
    assert values["th-1.humidity"].value == 45.6
    assert values["th-1.temperature"].value == -5.3
    assert values["aq-1.pm2_5"].quality is Quality.BAD
    assert values["aq-1.pm2_5"].value is None
    assert (values["aq-1.temperature"].value, values["aq-1.co2"].value) == (23.5, 812)
    assert values["aq-1.hcho"].value == 0.08  # 80 µg/m³ in mg/m³
    assert [values[f"door-1.door_{i}"].state for i in range(1, 5)] == ["closed", "open", "fault", "closed"]
    assert values["door-1.door_2"].value == 1.0
    assert [values[f"door-1.exit_{i}"].state for i in range(1, 5)] == ["clear", "blocked", "clear", "clear"]
    assert values["lux-1.illuminance"].value == 123_456
    assert "em-1.lamp_8" not in values
    assert values["em-1.lamp_8_battery"].state == "ok"
    assert not any(r.sensor.startswith("aq-bad.") for r in readings)

    # one timestamp per poll, and every field of a poll in its batch
    per_poll: dict[Any, set[str]] = defaultdict(set)
    for r in readings:
        if r.sensor.startswith("aq-1."):
            per_poll[r.ts].add(r.sensor)
    assert per_poll
    assert all(len(sensors) == 7 for sensors in per_poll.values())

    for status in board:
        assert status.online is True, status
        assert status.last_good is not None
        assert status.next_poll is not None
        assert status.timeouts == 0
    bad = board.get("aq-bad")
    assert bad is not None
    assert bad.exceptions >= 2
    assert bad.failed_polls == 0  # it answers: a refusal is an error, not an outage
    assert bad.last_error is not None
    assert "gw unit 5 FC03 0x0000–0x0008 (9 registers)" in bad.last_error
    assert "exception 2 illegal data address" in bad.last_error
    assert "address − 1" in bad.last_error
    assert all(s.exceptions == 0 and s.last_error is None for s in board if s.device != "aq-bad")


async def test_exception_is_logged_once_per_distinct_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="collectors.modbus")
    async with tcp_slaves({5: unit(hr=[0] * 4)}) as served:
        site = make_site(tmp_path, [gateway(served.port)], [device("aq-bad", 5, "air-7in1")])
        async with collecting(site) as running:
            await eventually(lambda: running.board.get("aq-bad").exceptions >= 4, within=5, what="4 refusals")  # type: ignore[union-attr]
    refusals = [r for r in caplog.records if "illegal data address" in r.getMessage()]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    assert refusals[0].getMessage().startswith("gw unit 5 (aq-bad): FC03 0x0000–0x0008 (9 registers): 异常 2")


async def test_gateway_restart_goes_offline_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="collectors.modbus")
    port = free_port()
    options = {"poll": "100ms", "offline_after": 2, "backoff_max": "300ms"}
    site = make_site(tmp_path, [gateway(port)], [device("th-1", 1, "th-rs-ws-n01", **options)])
    async with collecting(site) as running:
        status = running.board.get("th-1")
        assert status is not None
        async with tcp_slaves({1: UNITS[1]}, port=port):
            await eventually(lambda: status.online is True, within=3, what="online")
        await eventually(lambda: status.online is False, within=3, what="offline once the gateway is gone")
        assert status.last_error is not None
        assert f"127.0.0.1:{port}" in status.last_error
        async with tcp_slaves({1: UNITS[1]}, port=port):
            await eventually(lambda: status.online is True, within=3, what="online again after the restart")
        polls = status.polls
    assert polls > status.failed_polls >= 2
    messages = [r.getMessage() for r in caplog.records]
    offline = [m for m in messages if "offline after" in m]
    recovered = [m for m in messages if "recovered after" in m]
    assert len(offline) == 1
    assert offline[0].startswith("gw unit 1 (th-1): offline after 2 failed polls")
    assert len(recovered) == 1
    assert recovered[0].startswith("gw unit 1 (th-1): recovered after ")
    assert "th-1 (gw unit 1): 2 fields → 1 request: FC03 0x0000–0x0001 (2 registers)" in messages


async def test_rtu_frames_over_tcp_to_a_serial_server(tmp_path: Path) -> None:
    async with tcp_slaves({1: UNITS[1], 2: unit(hr=[0, 0])}, silent={2}, rtu=True) as served:
        bus = {"id": "gw", "transport": "rtu-over-tcp", "host": "127.0.0.1", "port": served.port}
        dead = {"timeout": "100ms", "retries": 0, "offline_after": 1}
        devices = [device("th-1", 1, "th-rs-ws-n01"), device("th-2", 2, "th-rs-ws-n01", **dead)]
        site = make_site(tmp_path, [{**bus, "frame_gap": "5ms"}], devices)
        async with collecting(site) as running:
            live, silent = running.board.get("th-1"), running.board.get("th-2")
            assert live is not None
            assert silent is not None
            await eventually(lambda: live.polls >= 3 and silent.online is False, within=5, what="polls")
            values = latest(await running.readings())
    assert values["th-1.temperature"].value == -5.3
    assert not any(r.startswith("th-2.") for r in values)
    assert live.failed_polls == 0


async def test_cancelling_stops_cleanly_with_whole_batches(tmp_path: Path) -> None:
    async with tcp_slaves({1: UNITS[1]}) as served:
        site = make_site(tmp_path, [gateway(served.port)], [device("th-1", 1, "th-rs-ws-n01", poll="20ms")])
        async with collecting(site) as running:
            await eventually(lambda: running.stream.accepted >= 20, within=5, what="10 polls")
            running.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running.task
        assert running.stream.accepted % 2 == 0  # two fields a poll: never half a poll
        await eventually(lambda: not served.server.active_connections, within=2, what="links closed")


async def test_link_maps_errors_and_is_reusable() -> None:
    fields = [FieldSpec("t", Quantity.TEMPERATURE, 0), FieldSpec("h", Quantity.HUMIDITY, 1)]
    (request,) = plan_requests(fields, max_gap=0)
    async with tcp_slaves({1: UNITS[1], 5: unit(hr=[0])}) as served:
        link = ModbusLink(TcpBus(id="gw", transport="tcp", host="127.0.0.1", port=served.port, timeout=0.3))
        for _ in range(2):  # reusable, one `async with` at a time
            async with link:
                assert await link.read(request, 1, timeout=0.5) == [456, 0xFFCB]
                with pytest.raises(RuntimeError, match="already open"):
                    await link.__aenter__()
        async with link:
            with pytest.raises(DeviceExceptionError) as refused:
                await link.read(request, 5, timeout=0.5)
            assert refused.value.code == 2
            assert refused.value.name == "illegal data address"
            with pytest.raises(
                DeviceTimeoutError, match=r"gw unit 9 FC03 0x0000–0x0001 .*no answer within 0.1 s"
            ):
                await link.read(request, 9, timeout=0.1)
    async with link:
        with pytest.raises(LinkError, match=rf"gw unit 1 FC03 .*cannot connect to 127.0.0.1:{served.port}"):
            await link.read(request, 1, timeout=0.5)


async def test_a_gateway_that_hangs_up_at_once_is_dialled_again(caplog: pytest.LogCaptureFixture) -> None:
    """A busy gateway (or one whose serial side is gone) accepts and closes at once: each read is a link
    error and the next one dials again, until the gateway serves — never a dead connection kept for good
    (pymodbus 3.16 keeps a transport closed while its `connect()` returns, and writes into it forever)."""
    fields = [FieldSpec("t", Quantity.TEMPERATURE, 0), FieldSpec("h", Quantity.HUMIDITY, 1)]
    (request,) = plan_requests(fields, max_gap=0)
    gateway_socket = socket.create_server(("127.0.0.1", 0))
    port = gateway_socket.getsockname()[1]
    upstream: list[int] = []  # the real server's port, once the gateway serves

    def pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(4096):
                dst.sendall(data)

    def gateway() -> None:  # in a thread: the hang-up races the client's connect, as a real gateway's does
        with contextlib.suppress(OSError):
            while True:
                peer, _ = gateway_socket.accept()
                if not upstream:
                    peer.shutdown(socket.SHUT_RDWR)
                    peer.close()
                    continue
                server = socket.create_connection(("127.0.0.1", upstream[0]))
                threading.Thread(target=pump, args=(peer, server), daemon=True).start()
                threading.Thread(target=pump, args=(server, peer), daemon=True).start()

    threading.Thread(target=gateway, daemon=True).start()
    link = ModbusLink(TcpBus(id="gw", transport="tcp", host="127.0.0.1", port=port, timeout=0.3))
    outcomes: list[str] = []

    async def read() -> None:
        try:
            outcomes.append(str(await link.read(request, 1, timeout=0.3)))
        except (LinkError, DeviceTimeoutError) as error:
            outcomes.append(type(error).__name__)

    async with tcp_slaves({1: UNITS[1]}) as served, link:
        for _ in range(4):
            await read()
        upstream.append(served.port)
        for _ in range(2):
            await read()
    gateway_socket.close()
    assert outcomes[:4] == ["LinkError"] * 4, outcomes
    assert outcomes[4:] == [str([456, 0xFFCB])] * 2, outcomes
    assert not [r for r in caplog.records if r.name == "asyncio"]  # no writes into a closed socket
