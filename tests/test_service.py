"""The `anjing` command as a user runs it: a real process, real HTTP, real signals, a real SQLite file."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import free_port, small_site, write_site

ANJING = [sys.executable, "-m", "anjing"]


def start(config: Path, port: int, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ANJING, "run", "--config", str(config), "--port", str(port), "--log-json", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(
    url: str, proc: subprocess.Popen[str], ready: Callable[[Any], bool], timeout: float = 30.0
) -> Any:
    """GET `url` until `ready(json)` holds; fail with the process's log if it dies first."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"anjing exited with {proc.returncode}:\n{proc.stderr.read() if proc.stderr else ''}")
        try:
            last = httpx.get(url, timeout=2).json()
            if ready(last):
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"{url} never became ready; last answer {last}")


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, list[dict[str, object]]]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return proc.returncode, lines


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_stop_loses_no_polled_reading(tmp_path: Path, sig: signal.Signals) -> None:
    """With a 60 s flush interval every reading is still pending at the signal: all must be stored."""
    config = small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll="200ms",
        extra="""
        simulator: {enabled: true, seed: 3}
        """,
    )
    text = config.read_text().replace(
        "sqlite: {path: data/test.db}", "sqlite: {path: data/test.db}\n  flush_interval: 60s"
    )
    config.write_text(text)
    port = free_port()
    proc = start(config, port)
    wait_for(
        f"http://127.0.0.1:{port}/healthz",
        proc,
        lambda b: b["devices_online"] == 5 and b["readings_pending"] > 200,
    )
    code, logs = stop(proc, sig)
    assert code in {0, 130, -sig.value}, logs[-5:]
    stopped = [entry for entry in logs if "collected" in entry]
    assert stopped, "no shutdown report in the log"
    collected = stopped[-1]["collected"]
    assert isinstance(collected, int)
    assert collected > 200
    with sqlite3.connect(tmp_path / "data" / "test.db") as db:
        (stored,) = db.execute("select count(*) from readings").fetchone()
    assert stored == collected
    assert stopped[-1]["pending"] == 0


def test_check_config_names_file_line_and_fix(tmp_path: Path) -> None:
    config = write_site(
        tmp_path,
        """
        site: {name: 测试中心}
        zones:
          - {id: hall, name: 服务大厅, kind: service_hal}
        devices:
          - {id: aq-1, bus: nowhere, address: 1, profile: air-7in1}
        """,
    )
    result = subprocess.run(
        [*ANJING, "check-config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert f"{config}:3: zones[0].kind" in result.stderr
    assert "'service_hall'" in result.stderr
    assert f"{config}:5: devices[0].bus: 未知 bus / unknown bus 'nowhere'" in result.stderr


def test_check_config_accepts_the_demo_site() -> None:
    result = subprocess.run(
        [*ANJING, "check-config", "config/examples/demo-site.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "25 devices (20 Modbus, 5 MQTT), 93 sensors" in result.stdout


def test_a_part_that_cannot_start_is_one_clear_line(tmp_path: Path) -> None:
    """A second `make run` finds the simulator's port taken: it says so and exits, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = small_site(
            tmp_path,
            tcp_port=taken.getsockname()[1],
            rtu_port=free_port(),
            extra="""
            simulator: {enabled: true}
            """,
        )
        result = subprocess.run(
            [*ANJING, "run", "--config", str(config), "--port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert "无法启动模拟设备 / cannot start the simulated devices" in result.stderr
    assert "Traceback" not in result.stderr
