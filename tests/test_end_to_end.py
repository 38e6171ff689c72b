"""Simulator → Modbus collectors → stream → SQLite store → REST API, in one process, over real sockets.

The simulator runs on a frozen clock, so what it serves stays put and the API's values can be
compared with it exactly; its events then change what is served, and the API must show it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from anjing.runtime import Runtime
from collectors.simulator import Simulation
from config import load_site
from config.catalog import build_catalog
from tests.api_client import api_client
from tests.helpers import free_port, small_site

FROZEN = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai: open, lights on


class Harness:
    def __init__(self, sim: Simulation, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.sim = sim
        self.client = client
        self.runtime = runtime

    async def get(self, url: str, **params: Any) -> Any:
        response = await self.client.get(url, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def until(self, url: str, ready: Callable[[Any], bool], within: float = 10.0, **params: Any) -> Any:
        body: Any = None
        async with asyncio.timeout(within):
            while True:
                body = await self.get(url, **params)
                if ready(body):
                    return body
                await asyncio.sleep(0.1)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    site = load_site(small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms"))
    async with (
        Simulation(site, clock=lambda: FROZEN) as sim,
        Runtime(site) as runtime,
        api_client(runtime) as client,
    ):
        yield Harness(sim, client, runtime)


def by_sensor(readings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["sensor"]: r for r in readings}


async def test_api_serves_what_the_devices_measure(harness: Harness) -> None:
    catalog = harness.runtime.catalog
    latest = by_sensor(await harness.until("/api/v1/readings/latest", lambda body: len(body) == len(catalog)))
    for sensor, info in catalog.items():
        reading = latest[sensor]
        expected = harness.sim.value(info.device, info.field.key)
        assert reading["quality"] == "good", reading
        assert reading["value"] == pytest.approx(expected, abs=1e-6), sensor
        assert reading["unit"] == info.unit
        assert reading["ts"].endswith("+08:00")  # the site's timezone
    assert latest["aq-1.hcho"]["unit"] == "mg/m³"
    assert latest["em-1.lamp_1"]["state"] == "normal"
    assert latest["door-1.exit_1"]["state"] == "clear"
    devices = await harness.get("/api/v1/devices")
    assert {d["device"]: d["state"] for d in devices} == dict.fromkeys(
        ["aq-1", "th-1", "lux-1", "em-1", "door-1"], "online"
    )
    health = await harness.get("/healthz")
    assert health["status"] == "ok"
    assert health["devices_online"] == 5


async def test_events_reach_the_api(harness: Harness) -> None:
    await harness.until("/api/v1/devices", lambda body: all(d["state"] == "online" for d in body))
    harness.sim.trigger("em-1", "lamp_fault", point="lamp_3")
    harness.sim.trigger("door-1", "door_propped", point="door_2")
    harness.sim.trigger("aq-1", "fault_code")
    harness.sim.trigger("th-1", "dead")

    def changed(body: list[dict[str, Any]]) -> bool:
        latest = by_sensor(body)
        seen = {s: (r["state"], r["quality"]) for s, r in latest.items()}
        return (
            seen.get("em-1.lamp_3") == ("fault", "good")
            and seen.get("door-1.door_2") == ("open", "good")
            and seen.get("aq-1.co2") == (None, "bad")
            and seen.get("th-1.temperature", (None, ""))[1] == "stale"
        )

    latest = by_sensor(await harness.until("/api/v1/readings/latest", changed))
    assert latest["aq-1.co2"]["value"] is None
    assert latest["em-1.lamp_1"]["state"] == "normal"  # the other lamps are untouched
    devices = by_device(await harness.get("/api/v1/devices"))
    assert devices["th-1"]["state"] == "offline"
    assert devices["th-1"]["timeouts"] >= 3
    assert devices["lux-1"]["state"] == "online"  # its neighbour on the line keeps answering
    health = await harness.get("/healthz")
    assert (health["status"], health["devices_offline"]) == ("degraded", 1)

    harness.sim.clear("th-1")
    await harness.until(
        "/api/v1/devices", lambda body: by_device(body)["th-1"]["state"] == "online", within=20
    )


def by_device(devices: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["device"]: d for d in devices}


async def test_history_in_windows_and_raw(harness: Harness) -> None:
    await harness.until(
        "/api/v1/readings",
        lambda body: len(body["readings"]) >= 10,
        sensor="lux-1.illuminance",
        start="2026-01-01T00:00:00",
    )
    raw = await harness.get("/api/v1/readings", sensor="lux-1.illuminance", start="2026-01-01T00:00:00")
    assert raw["unit"] == "lx"
    assert raw["every_seconds"] is None
    assert {r["value"] for r in raw["readings"]} == {harness.sim.value("lux-1", "illuminance")}
    windows = await harness.get(
        "/api/v1/readings", sensor="lux-1.illuminance", start="2026-01-01T00:00:00", every="1h"
    )
    assert windows["every_seconds"] == 3600
    total = sum(b["count"] for b in windows["buckets"])
    assert total >= len(raw["readings"])
    bucket = windows["buckets"][-1]
    assert bucket["min"] == bucket["max"] == bucket["mean"] == harness.sim.value("lux-1", "illuminance")


async def test_api_errors_say_what_is_wrong(harness: Harness) -> None:
    response = await harness.client.get("/api/v1/readings", params={"sensor": "nope.co2"})
    assert response.status_code == 404
    assert "unknown sensor(s): nope.co2" in response.json()["detail"]
    response = await harness.client.get(
        "/api/v1/readings", params={"sensor": "aq-1.co2", "every": "10 minutes"}
    )
    assert response.status_code == 422
    assert "not a duration" in response.json()["detail"]
    response = await harness.client.get(
        "/api/v1/readings", params={"sensor": "aq-1.co2", "start": "2026-01-01", "end": "2025-01-01"}
    )
    assert response.status_code == 422
    response = await harness.client.get(
        "/api/v1/readings", params={"sensor": "aq-1.co2", "start": "2020-01-01", "every": "1s"}
    )
    assert response.status_code == 422
    assert "too many windows" in response.json()["detail"]


async def test_sensors_are_listed_with_their_place(harness: Harness) -> None:
    sensors = {s["id"]: s for s in await harness.get("/api/v1/sensors")}
    assert set(sensors) == set(build_catalog(harness.runtime.site))
    assert sensors["aq-1.co2"]["quantity_name_zh"] == "二氧化碳"
    assert sensors["aq-1.co2"]["zone"] == "hall"
    assert sensors["em-1.lamp_1"]["states"] == ["normal", "emergency", "fault"]
    hall = await harness.get("/api/v1/sensors", zone="stair-e")
    assert {s["device"] for s in hall} == {"em-1", "door-1"}


async def test_api_docs_work_without_internet(harness: Harness) -> None:
    """A county LAN may have no internet: the docs page may only load assets that we serve."""
    page = await harness.client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"the docs load {asset} from elsewhere"
        assert (await harness.client.get(asset)).status_code == 200, asset
