"""kill -9 of the real `anjing` process while it forwards: after a restart nothing stored is missing in
VictoriaMetrics (the approach of tests/test_service.py: a real process, real signals)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import httpx

from tests.helpers import free_port, small_site
from tests.storage.influx.servers import VictoriaMetrics


def start(config: Path, port: int, log: TextIO) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INFLUX_TOKEN": "test-token"}
    return subprocess.Popen(
        [sys.executable, "-m", "anjing", "run", "--config", str(config), "--port", str(port), "--log-json"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=env,
    )


def outbox_when(port: int, proc: subprocess.Popen[bytes], ready: Any, limit: float = 30.0) -> dict[str, Any]:
    """GET /api/v1/outbox until `ready(answer)`."""
    deadline = time.monotonic() + limit
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"anjing exited with {proc.returncode}"
        try:
            last = httpx.get(f"http://127.0.0.1:{port}/api/v1/outbox", timeout=2).json()
            if ready(last):
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"outbox never ready: {last}")


def stored(db: Path) -> set[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT s.sensor, r.ts FROM readings r JOIN series s ON s.id = r.series")
        return {(sensor, ts) for sensor, ts in rows}


def queued(db: Path) -> set[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT s.sensor, o.ts FROM outbox o JOIN series s ON s.id = o.series")
        return {(sensor, ts) for sensor, ts in rows}


def test_kill_9_mid_forward_loses_nothing(tmp_path: Path, victoria: VictoriaMetrics) -> None:
    """A slow forwarder (max_rate 150 points/s against ~200 readings/s) has a backlog when it is killed."""
    config = small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll="200ms",
        extra="""
        simulator: {enabled: true, seed: 5}
        api: {auth: {anonymous_role: viewer}}  # the outbox is read without signing in
        """,
    )
    influx = (
        f"  flush_interval: 200ms\n  influxdb: {{url: '{victoria.url}', bucket: anjing, "
        "token: '${INFLUX_TOKEN}', max_rate: RATE, batch_size: 50}"
    )
    text = config.read_text()
    slow = text.replace("sqlite: {path: data/test.db}", "sqlite: {path: data/test.db}\n" + influx)
    config.write_text(slow.replace("RATE", "150"))
    db = tmp_path / "data" / "test.db"
    port = free_port()
    with (tmp_path / "anjing.log").open("w") as log:
        proc = start(config, port, log)
        outbox_when(port, proc, lambda o: o["sent"] > 100 and o["depth"] > 200)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        before = stored(db)
        assert queued(db), "the kill should leave a backlog"
        assert queued(db) <= before
        config.write_text(slow.replace("RATE", "100000"))
        proc = start(config, port, log)
        outbox_when(port, proc, lambda o: o["sent"] > 0 and not queued(db) & before)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) in {0, -signal.SIGTERM.value}
    lines = (tmp_path / "anjing.log").read_text().splitlines()
    reports = [json.loads(line) for line in lines if line.startswith("{")]
    stopped = [entry for entry in reports if "waiting" in entry]
    assert len(stopped) == 1  # the killed process wrote none
    assert stopped[0]["waiting"] == len(queued(db))
    arrived = {(labels["sensor"], ts) for labels, ts, _ in victoria.points()}
    assert before <= arrived
    assert stored(db) - queued(db) <= arrived
