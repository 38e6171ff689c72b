"""Config reload on a running service: real pymodbus servers, a real SQLite file, the real API.

The simulated devices run in a `Simulation` of their own, built from a site that has every device
any test adds, so a device added by a reload answers; the service under test runs with its simulator
off. The RS-485 line reaches its server through a relay that counts connections: a bus a reload
leaves alone must keep its one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from anjing.accounts import with_auth
from anjing.reload import SYSTEM
from anjing.runtime import Runtime
from api.auth import Role
from collectors.simulator import Simulation
from config import load_site
from tests.api_client import api_client, bearer
from tests.helpers import free_port, write_site
from tests.test_service import ANJING, start, wait_for

POLL = 0.2
LAMP = "gb-51309-2018/lamp-fault@em-1.lamp_1"
DOOR = "  - {id: door-1, bus: gw, address: 2, profile: door-monitor, zone: stair-e, poll: 200ms}\n"
TH2 = "  - {id: th-2, bus: gw, address: 3, profile: th-rs-ws-n01, zone: hall, poll: 200ms}\n"


def site_text(line_port: int, gw_port: int, devices: str = DOOR, extra: str = "") -> str:
    """Two buses: an RS-485 line of three devices, and a TCP gateway of em-1 plus `devices`."""
    return (
        f"""\
site: {{name: 测试中心, timezone: Asia/Shanghai}}
zones:
  - {{id: hall, name: 服务大厅, kind: service_hall, public: true}}
  - {{id: stair-e, name: 东楼梯间, kind: stairwell, evacuation_route: true}}
buses:
  - {{id: line, transport: rtu-over-tcp, host: 127.0.0.1, port: {line_port}, timeout: 300ms, frame_gap: 5ms}}
  - {{id: gw, transport: tcp, host: 127.0.0.1, port: {gw_port}, timeout: 300ms}}
devices:
  - {{id: aq-1, bus: line, address: 1, profile: air-7in1, zone: hall, poll: 200ms}}
  - {{id: th-1, bus: line, address: 2, profile: th-rs-ws-n01, zone: hall, poll: 200ms}}
  - {{id: lux-1, bus: line, address: 3, profile: lux-nhzd210, zone: hall, poll: 200ms}}
  - {{id: em-1, bus: gw, address: 1, profile: emergency-gateway, zone: stair-e, poll: 200ms}}
"""
        + devices
        + extra
    )


class Relay:
    """A TCP relay to a server on loopback that counts the connections made through it."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Relay:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._pipes:
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(_pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(4096):
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


@dataclass
class Service:
    runtime: Runtime
    client: httpx.AsyncClient
    path: Path
    relay: Relay


STORAGE = "storage: {sqlite: {path: data/test.db}}\nalerting: {tick: 100ms}\n"


@asynccontextmanager
async def service(tmp_path: Path) -> AsyncIterator[tuple[Service, Callable[..., None]]]:
    """The simulated devices (th-2 included) and a service of five of them, with the API in front;
    and `write(devices=…, extra=…)`, which rewrites the service's site file."""
    line, gw = free_port(), free_port()
    (tmp_path / "sim").mkdir()
    lamp = "simulator: {enabled: true, events: [{at: 0s, device: em-1, point: lamp_1, kind: lamp_fault}]}\n"
    simulated = write_site(tmp_path / "sim", site_text(line, gw, DOOR + TH2, lamp))
    async with Simulation(load_site(simulated)), Relay(line) as relay:
        path = tmp_path / "site.yaml"

        def write(devices: str = DOOR, extra: str = STORAGE) -> None:
            path.write_text(site_text(relay.port, gw, devices, extra), encoding="utf-8")

        write()
        async with Runtime(load_site(path)) as runtime, api_client(runtime) as client:
            yield Service(runtime, client, path, relay), write


async def until(check: Callable[[], Any], within: float = 10.0) -> Any:
    """Await `check()` (sync or async) until it returns something truthy."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.05)


async def latest(running: Service, sensor: str) -> datetime | None:
    readings = await running.runtime.store.latest([sensor])
    return readings[0].ts if readings else None


async def test_reload_adds_and_removes_devices_and_leaves_other_buses_alone(tmp_path: Path) -> None:
    async with service(tmp_path) as (running, write):
        client, runtime = running.client, running.runtime
        await until(lambda: latest(running, "door-1.door_1"))
        await until(lambda: latest(running, "aq-1.co2"))
        before = (await client.get("/api/v1/config")).json()
        connections = running.relay.connections
        assert connections == 1  # an RTU-over-TCP line has one connection

        write(devices=TH2)  # door-1 goes, th-2 comes, both on the gateway
        asked = datetime.now(UTC)
        response = await client.post("/api/v1/config/reload")
        done = datetime.now(UTC)
        assert response.status_code == 200, response.text
        outcome = response.json()
        assert outcome["result"] == "applied"
        assert (outcome["added"], outcome["removed"], outcome["changed"]) == (["th-2"], ["door-1"], [])
        assert (outcome["buses_restarted"], outcome["sections"]) == (["gw"], ["devices"])
        assert outcome["restart_needed"] == []
        assert outcome["old_checksum"] == before["checksum"] != outcome["new_checksum"]

        await until(lambda: latest(running, "th-2.temperature"))
        await asyncio.sleep(1.0)
        stopped = await latest(running, "door-1.door_1")
        assert stopped is not None
        assert stopped < done + timedelta(seconds=POLL)  # a poll in flight at most, then nothing
        assert running.relay.connections == connections  # the line was not reconnected
        polled = await runtime.store.raw("aq-1.co2", asked - timedelta(seconds=2), datetime.now(UTC))
        gaps = [(b.ts - a.ts).total_seconds() for a, b in itertools.pairwise(polled)]
        assert len(polled) >= 10
        assert max(gaps) < 2.5 * POLL, gaps  # polled on its schedule through the reload

        devices = {d["device"] for d in (await client.get("/api/v1/devices")).json()}
        assert "th-2" in devices
        assert "door-1" not in devices
        assert "door-1" not in {s.device for s in runtime.board}
        sensors = {s["id"] for s in (await client.get("/api/v1/sensors")).json()}
        assert "th-2.humidity" in sensors
        assert not any(s.startswith("door-1.") for s in sensors)

        status = (await client.get("/api/v1/config")).json()
        assert status["checksum"] == outcome["new_checksum"]
        assert status["last_reload"]["result"] == "applied"
        (record,) = await runtime.audit.list(action="config.reload")
        assert (record.actor, record.outcome) == ("test-admin", "ok")
        assert record.before == {"checksum": before["checksum"]}
        assert record.after == {"checksum": outcome["new_checksum"]}


@pytest.mark.parametrize(
    ("broken", "line", "says"),
    [
        ("  - {id: th-9, bus: gw\n", 15, "flow mapping started on line 14"),
        (
            "  - {id: th-9, bus: gw, address: 9, profile: no-such, zone: hall}\n",
            14,
            "unknown profile 'no-such'",
        ),
        ("  - {id: th-9, bus: gw, address: 9, profile: th-rs-ws-n01, poll: fast}\n", 14, "devices[5].poll"),
    ],
    ids=["yaml-error", "unknown-profile", "bad-field"],
)
async def test_an_invalid_config_is_rejected_and_the_old_one_keeps_running(
    tmp_path: Path, broken: str, line: int, says: str
) -> None:
    async with service(tmp_path) as (running, write):
        client, runtime = running.client, running.runtime
        await until(lambda: latest(running, "aq-1.co2"))
        before = (await client.get("/api/v1/config")).json()
        write(devices=DOOR + broken)

        response = await client.post("/api/v1/config/reload")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["outcome"]["result"] == "rejected"
        issues = problem["outcome"]["issues"]
        assert any(issue.startswith(f"{running.path}:{line}:") and says in issue for issue in issues), issues

        polled = runtime.stored
        await until(lambda: runtime.stored > polled + 20)  # the old config keeps polling
        assert {d.id for d in runtime.site.config.devices} == {"aq-1", "th-1", "lux-1", "em-1", "door-1"}
        status = (await client.get("/api/v1/config")).json()
        assert status["checksum"] == before["checksum"]
        assert status["last_reload"]["result"] == "rejected"
        (record,) = await runtime.audit.list(action="config.reload")
        assert record.outcome.startswith("配置无效，未应用 / rejected")
        assert record.before == record.after == {"checksum": before["checksum"]}
        assert says in record.detail


async def test_a_storage_change_waits_for_a_restart(tmp_path: Path) -> None:
    async with service(tmp_path) as (running, write):
        client, runtime = running.client, running.runtime
        store = runtime.store
        write(extra="storage: {sqlite: {path: data/other.db}}\nalerting: {tick: 100ms}\n")

        response = await client.post("/api/v1/config/reload")
        assert response.status_code == 200, response.text
        outcome = response.json()
        assert outcome["restart_needed"] == ["storage.sqlite.path"]
        assert "需要重启 / restart needed: storage.sqlite.path" in outcome["summary"]
        assert runtime.store is store
        assert runtime.site.config.storage.sqlite.path == Path("data/test.db")  # what runs, not the file
        assert not (tmp_path / "data" / "other.db").exists()
        status = (await client.get("/api/v1/config")).json()
        assert status["restart_needed"] == ["storage.sqlite.path"]


async def test_an_acknowledged_alert_stays_acknowledged_across_a_reload(tmp_path: Path) -> None:
    async with service(tmp_path) as (running, write):
        client, runtime = running.client, running.runtime
        await until(lambda: runtime.alerts.engine.status(LAMP).state.value == "firing")
        ack = await client.post("/api/v1/alerts/acknowledge", json={"key": LAMP, "comment": "更换中"})
        assert ack.status_code == 200, ack.text
        assert any("@door-1." in key for key in runtime.alerts.engine.bindings)
        write(devices=TH2)  # door-1's alerts go, the lamp's binding stays

        assert (await client.post("/api/v1/config/reload")).status_code == 200
        await asyncio.sleep(0.5)  # ticks and readings run on the new bindings
        alerts = (await client.get("/api/v1/alerts", params={"rule": "gb-51309-2018/lamp-fault"})).json()
        assert [(a["key"], a["state"], a["acked_by"]) for a in alerts] == [
            (LAMP, "acknowledged", "test-admin")
        ]
        history = (await client.get("/api/v1/alerts/history", params={"key": LAMP})).json()
        assert [h["state"] for h in history] == ["acknowledged", "firing"]
        assert not any("@door-1." in key for key in runtime.alerts.engine.bindings)
        assert any(key.endswith("@th-2.temperature") for key in runtime.alerts.engine.bindings)


async def test_reloading_needs_the_config_permission(tmp_path: Path) -> None:
    async with service(tmp_path) as (running, write):
        write(devices=TH2)
        async with (
            api_client(running.runtime, None) as anonymous,
            api_client(running.runtime, Role.VIEWER) as viewer,
        ):
            assert (await anonymous.post("/api/v1/config/reload")).status_code == 401
            assert (await anonymous.get("/api/v1/config")).status_code == 401
            assert (await viewer.post("/api/v1/config/reload")).status_code == 403
            assert (await viewer.get("/api/v1/config")).status_code == 200
        assert {d.id for d in running.runtime.site.config.devices} == {
            "aq-1",
            "th-1",
            "lux-1",
            "em-1",
            "door-1",
        }
        assert await running.runtime.audit.list(action="config.reload") == []


async def test_reloads_take_turns(tmp_path: Path) -> None:
    """Two reloads at once run one after the other, the second seeing what the first applied."""
    async with service(tmp_path) as (running, write):
        write(devices=TH2)
        first, second = await asyncio.gather(running.runtime.reload(SYSTEM), running.runtime.reload(SYSTEM))
        assert (first.added, first.removed) == (("th-2",), ("door-1",))
        assert (second.added, second.removed, second.buses_restarted) == ((), (), ())
        assert second.old_checksum == first.new_checksum == second.new_checksum


def test_sighup_and_anjing_reload_on_a_running_service(tmp_path: Path) -> None:
    """A real `anjing run`: SIGHUP reloads (seen in the checksum), `anjing reload` says how it went."""
    config = tmp_path / "site.yaml"
    port = free_port()  # also in the file: `anjing reload` finds the service there
    text = site_text(
        free_port(), free_port(), extra=f"{STORAGE}simulator: {{enabled: true}}\napi: {{port: {port}}}\n"
    )
    config.write_text(text, encoding="utf-8")
    (tmp_path / "data").mkdir()
    headers: dict[str, str] = with_auth(load_site(config), lambda auth: bearer(auth, Role.ADMIN))
    url = f"http://127.0.0.1:{port}"
    proc = start(config, port)
    try:
        wait_for(f"{url}/healthz", proc, lambda b: b["devices_online"] == 5)
        first = httpx.get(f"{url}/api/v1/config", headers=headers).json()

        config.write_text(text.replace("name: 服务大厅", "name: 一楼服务大厅"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        status = _reloaded(f"{url}/api/v1/config", headers, first["checksum"])
        assert (status["last_reload"]["actor"], status["last_reload"]["result"]) == ("system", "applied")
        zones = httpx.get(f"{url}/api/v1/zones", headers=headers).json()
        assert "一楼服务大厅" in str(zones)

        env = {**os.environ, "ANJING_TOKEN": headers["Authorization"].removeprefix("Bearer ")}
        cli = [*ANJING, "reload", "--config", str(config)]
        config.write_text(text.replace("profile: air-7in1", "profile: air-7in2"), encoding="utf-8")
        bad = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=30, check=False)
        assert bad.returncode == 2, bad.stderr
        assert f"{config}:9: devices[0].profile: 未知 profile / unknown profile 'air-7in2'" in bad.stderr
        config.write_text(text, encoding="utf-8")
        good = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=30, check=False)
        assert good.returncode == 0, good.stderr
        assert "已应用 / applied" in good.stdout
        assert first["checksum"] in good.stdout  # back to the first file
        gone = [*ANJING, "reload", "--url", f"http://127.0.0.1:{free_port()}"]
        assert subprocess.run(gone, capture_output=True, env=env, timeout=30, check=False).returncode == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=30)


def _reloaded(url: str, headers: dict[str, str], checksum: str) -> Any:
    """GET the running config until its checksum is no longer `checksum`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = httpx.get(url, headers=headers).json()
        if status["checksum"] != checksum:
            return status
        time.sleep(0.1)
    pytest.fail(f"the checksum stayed {checksum}")
