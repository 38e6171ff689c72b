"""sd_notify against a real datagram socket: the coroutine alone, and `anjing run` as systemd starts it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from anjing.sdnotify import notify, watch, watchdog_interval
from tests.helpers import free_port, small_site


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's notify socket."""
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(0.05)
        yield sock, path


def received(sock: socket.socket, within: float) -> list[str]:
    """Every datagram that arrives within `within` seconds."""
    messages: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            messages.append(sock.recv(4096).decode())
    return messages


def test_outside_systemd_nothing_is_sent() -> None:
    assert notify("READY=1", environ={}) is False
    assert watchdog_interval({}) == 10.0
    assert watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 30.0


def test_abstract_socket_names_are_understood() -> None:
    name = f"anjing-test-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert notify("READY=1", environ={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"READY=1"


async def test_pings_only_while_every_part_runs(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    parts: dict[str, str | None] = {"store-writer": None, "modbus": None}
    environ = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}  # a ping every 50 ms
    task = asyncio.create_task(watch(lambda: parts, environ=environ))
    await asyncio.sleep(0.3)
    alive = await asyncio.to_thread(received, sock, 0.05)
    parts["modbus"] = "modbus: 已退出 / ended"
    await asyncio.sleep(0.1)  # a ping already on its way may still arrive
    await asyncio.to_thread(received, sock, 0.05)
    await asyncio.sleep(0.3)
    stopped = await asyncio.to_thread(received, sock, 0.05)
    parts["modbus"] = None
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    after = await asyncio.to_thread(received, sock, 0.1)

    assert alive[0] == "READY=1"
    assert alive.count("WATCHDOG=1") >= 3
    assert stopped == []
    assert "WATCHDOG=1" in after
    assert after[-1] == "STOPPING=1"


def test_anjing_run_tells_systemd_ready_alive_and_stopping(
    tmp_path: Path, listener: tuple[socket.socket, str]
) -> None:
    sock, path = listener
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    env = {
        "NOTIFY_SOCKET": path,
        "WATCHDOG_USEC": "200000",
        "ANJING_ADMIN_PASSWORD": "Correct-Horse-42-battery",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "anjing", "run", "--config", str(config), "--port", str(free_port())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**{k: v for k, v in os.environ.items() if k not in env}, **env},
    )
    try:
        messages: list[str] = []
        deadline = time.monotonic() + 30
        while messages.count("WATCHDOG=1") < 3 and time.monotonic() < deadline and proc.poll() is None:
            messages += received(sock, 0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    messages += received(sock, 0.2)
    assert proc.returncode == -signal.SIGTERM, err  # uvicorn re-raises the signal after a clean stop
    assert "Anjing stopped" in err
    assert messages[0] == "READY=1"
    assert messages.count("WATCHDOG=1") >= 3
    assert messages[-1] == "STOPPING=1"
