"""Liveness through the API: availability (Last Will) topics, silent devices, and the states Anjing publishes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import orjson
import pytest

from anjing.runtime import Runtime
from config import load_site
from tests.api_client import api_client
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, publish_all, until

FAST = """
  subscriptions:
    - topic: "zigbee2mqtt/{device}"
      decoder: zigbee2mqtt
      availability: "zigbee2mqtt/{device}/availability"
      interval: 500ms
      fields:
        contact: {quantity: door_state, states: {"true": closed, "false": open}}
      devices:
        stair_door: {id: door-stair, zone: hall, name: 东楼梯间防火门}
        exit_door: {id: door-exit, zone: hall}
"""


class Api:
    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client

    async def get(self, url: str) -> Any:
        response = await self.client.get(url)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def api(tmp_path: Path, mosquitto: Mosquitto) -> AsyncIterator[Api]:
    extra = "  publish: {prefix: lobby}\n"
    site = load_site(mqtt_site(tmp_path, mosquitto.port, subscriptions=FAST, mqtt=extra))
    async with Runtime(site) as runtime, api_client(runtime) as client:
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        yield Api(runtime, client)


async def test_sensors_devices_and_availability_in_the_api(api: Api, mosquitto: Mosquitto) -> None:
    sensors = {s["id"]: s for s in await api.get("/api/v1/sensors")}
    assert sensors["door-stair.contact"]["bus"] == "mqtt"
    assert sensors["door-stair.contact"]["states"] == ["closed", "open", "fault"]
    await publish_all(
        mosquitto.port,
        [
            ("zigbee2mqtt/stair_door", b'{"contact": true}'),
            ("zigbee2mqtt/stair_door/availability", b"online"),
        ],
    )
    await until(lambda: api.runtime.stored >= 1)
    latest = {r["sensor"]: r for r in await api.get("/api/v1/readings/latest")}
    assert latest["door-stair.contact"]["state"] == "closed"
    assert latest["door-stair.contact"]["quality"] == "good"

    await publish_all(mosquitto.port, [("zigbee2mqtt/stair_door/availability", b'{"state": "offline"}')])
    await until(lambda: api.runtime.board.get("door-stair").online is False)  # type: ignore[union-attr]
    latest = {r["sensor"]: r for r in await api.get("/api/v1/readings/latest")}
    assert latest["door-stair.contact"]["quality"] == "stale"  # its own state, not a missing value
    devices = {d["device"]: d for d in await api.get("/api/v1/devices")}
    assert devices["door-stair"]["state"] == "offline"
    assert devices["door-stair"]["name"] == "东楼梯间防火门"
    assert devices["door-stair"]["messages"] >= 3
    assert devices["mqtt:anjing-test"]["state"] == "online"


async def test_a_silent_device_goes_offline_and_comes_back(api: Api, mosquitto: Mosquitto) -> None:
    """interval 500 ms → offline after 3 intervals + 5 s of silence (the Modbus rule), back on a message."""
    await publish_all(mosquitto.port, [("zigbee2mqtt/exit_door", b'{"contact": true}')])
    status = api.runtime.board.get("door-exit")
    assert status is not None
    await until(lambda: status.online is True, within=5)
    await until(lambda: status.online is False, within=10)
    assert status.last_error is not None
    assert "no message" in status.last_error
    await publish_all(mosquitto.port, [("zigbee2mqtt/exit_door", b'{"contact": false}')])
    await until(lambda: status.online is True, within=5)


async def test_states_and_alerts_are_published_retained(api: Api, mosquitto: Mosquitto) -> None:
    await publish_all(mosquitto.port, [("zigbee2mqtt/stair_door/availability", b"offline")])
    await until(lambda: api.runtime.board.get("door-stair").online is False)  # type: ignore[union-attr]
    assert api.runtime.publisher is not None
    api.runtime.publisher.publish_alert("hcho-meeting", "firing", {"value": 0.12, "limit": 0.08})
    seen: dict[str, Any] = {}
    async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="lobby-board") as board:
        await board.subscribe("lobby/#", qos=1)
        async with asyncio.timeout(10):
            async for message in board.messages:  # a late subscriber: everything arrives retained
                payload = bytes(message.payload) if isinstance(message.payload, bytes | bytearray) else b""
                seen[message.topic.value] = (
                    payload if message.topic.value == "lobby/status" else orjson.loads(payload)
                )
                if (
                    seen.get("lobby/devices/door-stair/state", {}).get("state") == "offline"
                    and "lobby/alerts/hcho-meeting" in seen
                ):
                    break
    assert seen["lobby/status"] == b"online"
    assert seen["lobby/alerts/hcho-meeting"]["state"] == "firing"
    assert seen["lobby/alerts/hcho-meeting"]["limit"] == 0.08
    assert seen["lobby/devices/mqtt:anjing-test/state"]["state"] == "online"
