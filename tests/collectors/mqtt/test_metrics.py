"""MQTT in `/metrics`: messages per device, rejections by reason, the broker connection, through a real broker."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from anjing.runtime import Runtime
from api import create_app
from config import load_site
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, publish_all, until

GOOD = ("anjing/hall/gw-1/telemetry", b'{"co2": 612}')
BAD = [
    ("anjing/hall/gw-1/telemetry", b"{not json"),
    ("anjing/hall/gw-1/telemetry", b'{"co2": "high"}'),
    ("anjing/hall/gw-9/telemetry", b'{"co2": 500}'),
]


async def test_messages_and_rejections_by_reason(tmp_path: Path, mosquitto: Mosquitto) -> None:
    config = mqtt_site(tmp_path, mosquitto.port)
    config.write_text(config.read_text() + "api: {auth: {anonymous_role: viewer}}\n")
    site = load_site(config)
    async with Runtime(site) as runtime:
        app = create_app(lambda: runtime)
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            link = runtime.board.get("mqtt:anjing-test")
            assert link is not None
            await until(lambda: link.online)
            await publish_all(mosquitto.port, [GOOD, GOOD, *BAD])
            gw = runtime.board.get("aq-gw-1")
            assert gw is not None
            await until(lambda: gw.messages == 3 and sum(runtime.mqtt.rejections.total.values()) == 3)  # type: ignore[union-attr]
            text = (await client.get("/metrics")).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert (
        samples["anjing_mqtt_messages_total", (("device", "aq-gw-1"),)] == 3
    )  # wrong_type: one value refused
    assert samples["anjing_mqtt_rejected_total", (("device", "aq-gw-1"), ("reason", "malformed"))] == 1
    assert samples["anjing_mqtt_rejected_total", (("device", "aq-gw-1"), ("reason", "wrong_type"))] == 1
    rejected_unknown = (("device", "mqtt:anjing-test"), ("reason", "unknown_device"))
    assert samples["anjing_mqtt_rejected_total", rejected_unknown] == 1
    assert samples["anjing_mqtt_connection_failures_total", (("device", "mqtt:anjing-test"),)] == 0
    state = (("bus", "mqtt"), ("device", "mqtt:anjing-test"), ("state", "online"))
    assert samples["anjing_device_state", state] == 1
    assert samples["anjing_part_up", (("part", "mqtt"),)] == 1
    assert ("anjing_part_up", (("part", "modbus"),)) not in samples  # no Modbus device, no Modbus part
