"""Site, zones with their live state, and the kiosk's public subset, over simulated devices.

The stairwell's emergency lamp fails (a critical alert), the hall's formaldehyde rises above the
GB/T 18883 limit and its light meter never answers: the zones and the kiosk must say so, and the
kiosk must say nothing else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from anjing.runtime import Runtime
from api.kiosk import rate
from config import load_site
from tests.api_client import api_client
from tests.helpers import free_port, small_site

KIOSK_ZONE_KEYS = {"id", "name", "name_en", "rating", "rating_text", "ts", "values"}
KIOSK_VALUE_KEYS = {"quantity", "name_zh", "name_en", "value", "unit", "rating", "rating_text", "ts"}


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    path = small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll="200ms",
        extra="""
        simulator:
          enabled: true
          events:
            - {at: 0s, device: em-1, point: lamp_1, kind: lamp_fault}
            - {at: 0s, device: aq-1, kind: hcho_rise}
            - {at: 0s, device: lux-1, kind: dead}
        alerting: {tick: 100ms}
        """,
    )
    async with Runtime(load_site(path)) as running:
        yield running


async def _until(client: httpx.AsyncClient, url: str, ready: Callable[[Any], bool]) -> Any:
    async with asyncio.timeout(20):
        while True:
            response = await client.get(url)
            assert response.status_code == 200, response.text
            if ready(response.json()):
                return response.json()
            await asyncio.sleep(0.1)


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


async def test_site_and_zones(runtime: Runtime) -> None:
    async with api_client(runtime) as client:
        site = (await client.get("/api/v1/site")).json()
        assert (site["name"], site["timezone"], site["zones"], site["devices"]) == (
            "测试中心",
            "Asia/Shanghai",
            2,
            5,
        )
        assert site["sensors"] == len(runtime.catalog)
        assert site["opening_hours"] == {"mon-fri": "08:30-12:00,14:00-17:30"}
        assert site["config_checksum"] == runtime.config_status.checksum
        assert site["config_checksum"].startswith("sha256:")

        zones = _by_id(
            await _until(
                client,
                "/api/v1/zones",
                lambda z: _by_id(z)["stair-e"]["state"] == "alert" and _by_id(z)["hall"]["devices_offline"],
            )
        )
        stair, hall = zones["stair-e"], zones["hall"]
        assert stair["alerts"]["critical"] >= 1
        assert (stair["public"], stair["evacuation_route"]) == (False, True)
        lamp = next(r for r in stair["readings"] if r["sensor"] == "em-1.lamp_1")
        assert (lamp["state"], lamp["quality"]) == ("fault", "good")
        assert hall["state"] in {"offline", "warning", "alert"}  # the light meter is offline, at least
        co2 = next(r for r in hall["readings"] if r["sensor"] == "aq-1.co2")
        assert (co2["unit"], co2["quality"]) == ("ppm", "good")
        assert not any(r["sensor"].startswith("lux-1.") for r in hall["readings"])  # never answered

        one = await client.get("/api/v1/zones/stair-e")
        assert one.json()["id"] == "stair-e"
        missing = await client.get("/api/v1/zones/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_kiosk_shows_only_public_air_and_light(runtime: Runtime) -> None:
    async with api_client(runtime, role=None) as kiosk:  # nobody signed in
        assert (await kiosk.get("/api/v1/zones")).status_code == 401  # the staff view is not public

        def hcho_over(zones: list[dict[str, Any]]) -> bool:
            values = {v["quantity"]: v for v in zones[0]["values"]}
            return bool(values["hcho"]["rating"] == "over")

        zones = await _until(kiosk, "/api/v1/public/zones", hcho_over)
    assert [z["id"] for z in zones] == ["hall"]  # the stairwell is not public
    (hall,) = zones
    assert set(hall) == KIOSK_ZONE_KEYS
    assert (hall["name"], hall["rating"], hall["rating_text"]) == (
        "服务大厅",
        "over",
        "超标 / over the limit",
    )
    values = {v["quantity"]: v for v in hall["values"]}
    for value in values.values():
        assert set(value) == KIOSK_VALUE_KEYS
    assert set(values) == {"temperature", "humidity", "co2", "pm2_5", "pm10", "hcho", "tvoc", "illuminance"}
    assert values["hcho"]["value"] > 0.08
    assert values["hcho"]["unit"] == "mg/m³"
    light = values["illuminance"]
    assert (light["value"], light["rating"], light["rating_text"]) == (None, "unknown", "未知 / unknown")
    assert values["co2"]["rating"] in {"good", "fair"}
    text = json.dumps(zones, ensure_ascii=False)
    for private in ("aq-1", "th-1", "lux-1", "em-1", "door-1", "line", "gw", "alert", "anonymous"):
        assert private not in text, private


@pytest.mark.parametrize(
    ("value", "low", "high", "rating"),
    [
        (0.05, None, 0.08, "good"),
        (0.07, None, 0.08, "fair"),  # above 80 % of a maximum
        (0.09, None, 0.08, "over"),
        (400.0, 300.0, None, "good"),
        (360.0, 300.0, None, "fair"),  # a minimum is more than 80 % of the value
        (250.0, 300.0, None, "over"),
        (20.0, 16.0, 24.0, "good"),
        (23.5, 16.0, 24.0, "fair"),  # farther from the middle than 80 % of the half-width
        (16.5, 16.0, 24.0, "fair"),
        (25.0, 16.0, 24.0, "over"),
    ],
)
def test_rating_rule(value: float, low: float | None, high: float | None, rating: str) -> None:
    assert rate(value, low, high) == rating
