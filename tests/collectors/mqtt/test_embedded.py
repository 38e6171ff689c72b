"""The demo's MQTT half: the embedded broker (amqtt) and the simulated MQTT devices, through the collector."""

from __future__ import annotations

from pathlib import Path

from anjing.runtime import Runtime
from config import load_site
from tests.collectors.mqtt.harness import until
from tests.helpers import free_port

DEMO = Path(__file__).parents[3] / "config" / "examples" / "demo-site.yaml"


async def test_demo_site_mqtt_devices_reach_the_store(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8")
    for port in ("18830", "15020", "15021"):  # the demo's fixed ports → free ones
        text = text.replace(f"port: {port}", f"port: {free_port()}").replace(f":{port}", f":{free_port()}")
    path = tmp_path / "demo.yaml"
    path.write_text(text.replace("path: ../../data/anjing.db", "path: data/demo.db"), encoding="utf-8")
    site = load_site(path)
    assert site.config.mqtt is not None
    assert site.config.mqtt.embedded
    async with Runtime(site) as runtime:
        mqtt_sensors = {s for s, info in runtime.catalog.items() if info.bus == "mqtt"}
        assert len(mqtt_sensors) == 8

        async def all_arrived() -> bool:
            return mqtt_sensors <= {r.sensor for r in await runtime.store.latest()}

        await until(all_arrived, within=20)
        latest = {r.sensor: r for r in await runtime.store.latest(mqtt_sensors)}
        assert latest["zb-door-hall.contact"].state == "closed"
        assert latest["zb-exit-corridor.occupancy"].state == "clear"
        assert latest["em-gw-parking.lamp"].state == "normal"
        assert 300 < (latest["tas-co2-office-2.co2"].value or 0) < 2000
        assert 5 < (latest["em-gw-parking.battery_v"].value or 0) < 30
        assert all(r.quality == "good" for r in latest.values())
        door = runtime.board.get("zb-door-stair-w")
        assert door is not None
        assert door.online
