"""A config reload on a running MQTT collector, against a real Mosquitto: subscriptions change on the
connection that runs, and only a change of the broker settings makes a new one."""

from __future__ import annotations

from pathlib import Path

from anjing.reload import SYSTEM
from anjing.runtime import Runtime
from config import load_site
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import SUBSCRIPTIONS, mqtt_site, publish_all, stored, telemetry, until

ZIGBEE, LUX = SUBSCRIPTIONS.index('    - topic: "zigbee2mqtt/'), SUBSCRIPTIONS.index('    - topic: "lux/')
WITHOUT_LUX = SUBSCRIPTIONS[:LUX]
WITHOUT_ZIGBEE = SUBSCRIPTIONS[:ZIGBEE] + SUBSCRIPTIONS[SUBSCRIPTIONS.index('    - topic: "tele/') :]


async def test_subscriptions_change_on_the_running_connection(tmp_path: Path, mosquitto: Mosquitto) -> None:
    path = mqtt_site(tmp_path, mosquitto.port, subscriptions=WITHOUT_LUX)
    async with Runtime(load_site(path)) as runtime:
        collector = runtime.mqtt
        assert collector is not None
        await until(lambda: collector.link.online)
        mqtt_site(tmp_path, mosquitto.port, subscriptions=WITHOUT_ZIGBEE)  # lux comes, zigbee goes

        outcome = await runtime.reload(SYSTEM)
        assert (outcome.result.value, outcome.added, outcome.removed) == (
            "applied",
            ("lux-hall",),
            ("door-stair",),
        )
        assert not outcome.mqtt_reconnected
        assert runtime.mqtt is collector
        await publish_all(
            mosquitto.port, [("zigbee2mqtt/stair_door", b'{"contact": true}'), ("lux/hall", b"0.25")]
        )
        await until(lambda: stored(runtime, "lux-hall.lux"))
        assert await stored(runtime, "lux-hall.lux") == [250.0]  # klx → lx
        assert collector.connects == 1  # the same connection throughout
        assert "zigbee2mqtt/stair_door" not in collector.link.rejected  # unsubscribed: never delivered
        assert runtime.board.get("door-stair") is None

        mqtt_site(tmp_path, mosquitto.port, subscriptions=WITHOUT_ZIGBEE, mqtt="  keepalive: 20s\n")
        outcome = await runtime.reload(SYSTEM)
        assert outcome.mqtt_reconnected
        assert runtime.mqtt is not collector
        await until(lambda: runtime.mqtt is not None and runtime.mqtt.link.online)
        await publish_all(mosquitto.port, [("anjing/hall/gw-1/telemetry", telemetry(7))])
        await until(lambda: stored(runtime, "aq-gw-1.co2"))
