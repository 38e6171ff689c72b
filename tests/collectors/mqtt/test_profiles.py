"""MQTT device profiles (config/profiles/mqtt/): shipped and site ones, subscriptions that use them,
their errors with file and line, and messages decoded through them on a real Mosquitto."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from anjing.runtime import Runtime
from collectors.mqtt import Router
from config import SHIPPED_PROFILES, ConfigError, Site, load_site
from config.profiles import collect_mqtt_profiles, collect_profiles
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, publish_all, until

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
SHIPPED = {"tasmota-scd40", "z2m-door-contact", "z2m-occupancy-exit"}

# line 14 of the site file is the first subscription's `- topic:` (see harness.mqtt_site)
WITH_PROFILES = """
  subscriptions:
    - topic: "tele/{device}/SENSOR"
      profile: tasmota-scd40
      interval: 30s
      fields:
        co2: {quantity: co2, path: SCD40.CarbonDioxide, valid_max: 2000}
        dew_point: {quantity: temperature, path: SCD40.DewPoint}
      devices:
        co2-office: {id: co2-office, zone: hall}
    - topic: "zigbee2mqtt/{device}"
      profile: z2m-door-contact
      devices:
        stair_door: {id: door-stair, zone: hall}
"""


def site_with(tmp_path: Path, subscriptions: str, profiles: dict[str, str] | None = None) -> Path:
    """A site file with `subscriptions`; `profiles` (file name → YAML) go to its own profile folder's
    mqtt/, listed in `profile_dirs` after the subscriptions so that the lines above stay as they are."""
    path = mqtt_site(tmp_path, 1883, subscriptions=subscriptions)
    if profiles is not None:
        folder = tmp_path / "site-profiles" / "mqtt"
        folder.mkdir(parents=True)
        for name, text in profiles.items():
            (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        path.write_text(
            path.read_text(encoding="utf-8") + "profile_dirs: [site-profiles]\n", encoding="utf-8"
        )
    return path


def router(site: Site) -> Router:
    assert site.config.mqtt is not None
    return Router(site.config.mqtt, tz=ZoneInfo("Asia/Shanghai"), molar_volume=22.414)


def errors(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_site(path)
    return str(caught.value)


def test_shipped_profiles_load_apart_from_the_modbus_ones() -> None:
    mqtt = collect_mqtt_profiles([SHIPPED_PROFILES])
    assert (set(mqtt.profiles), mqtt.failed, mqtt.issues) == (SHIPPED, set(), [])
    modbus = collect_profiles([SHIPPED_PROFILES])
    assert modbus.issues == []
    assert not SHIPPED & set(modbus.profiles)  # the Modbus loader does not read the mqtt/ subfolder


def test_a_subscription_takes_what_it_does_not_set_from_its_profile(tmp_path: Path) -> None:
    site = load_site(site_with(tmp_path, WITH_PROFILES))
    assert site.config.mqtt is not None
    tasmota, door = site.config.mqtt.subscriptions
    assert (tasmota.decoder, tasmota.availability, tasmota.interval) == ("tasmota", "tele/{device}/LWT", 30.0)
    # the profile's fields in its order, the inline co2 replacing the profile's, dew_point added
    assert list(tasmota.fields) == ["co2", "temperature", "humidity", "dew_point"]
    assert (tasmota.fields["co2"].valid_max, tasmota.fields["co2"].name) == (2000, "")
    assert (door.decoder, door.availability, door.interval) == (
        "zigbee2mqtt",
        "zigbee2mqtt/{device}/availability",
        3600.0,
    )
    assert site.config.mqtt.subscriptions[1].fields["contact"].states == {"true": "closed", "false": "open"}


async def test_messages_decoded_through_profiles_reach_the_store(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    site = load_site(mqtt_site(tmp_path, mosquitto.port, subscriptions=WITH_PROFILES))
    async with Runtime(site) as runtime:
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        await publish_all(
            mosquitto.port,
            [
                (
                    "tele/co2-office/SENSOR",
                    b'{"Time":"2026-11-28T10:00:00","SCD40":{"CarbonDioxide":2500,"eCO2":2480,'
                    b'"Temperature":23.1,"Humidity":41.2,"DewPoint":9.4},"TempUnit":"C"}',
                ),
                (
                    "zigbee2mqtt/stair_door",
                    b'{"contact":false,"battery":97,"voltage":3005,"linkquality":120}',
                ),
            ],
        )
        await until(lambda: runtime.stored >= 5)
        latest = {r.sensor: r for r in await runtime.store.latest()}

        def online(device: str) -> bool | None:
            status = runtime.board.get(device)
            return None if status is None else status.online

        assert (online("co2-office"), online("door-stair")) == (True, True)
        # the availability topics come from the profiles
        await publish_all(
            mosquitto.port,
            [
                ("tele/co2-office/LWT", b"Offline"),
                ("zigbee2mqtt/stair_door/availability", b'{"state":"offline"}'),
            ],
        )
        await until(lambda: (online("co2-office"), online("door-stair")) == (False, False))
    assert (latest["co2-office.co2"].value, latest["co2-office.co2"].quality) == (2500, "out_of_range")
    assert latest["co2-office.co2"].ts.isoformat() == "2026-11-28T02:00:00+00:00"  # Tasmota's local Time
    assert latest["co2-office.temperature"].value == pytest.approx(23.1)
    assert latest["co2-office.humidity"].value == pytest.approx(41.2)
    assert latest["co2-office.dew_point"].value == pytest.approx(9.4)
    assert latest["door-stair.contact"].state == "open"


def test_a_site_profile_overrides_the_shipped_one(tmp_path: Path) -> None:
    scd30 = """
        id: tasmota-scd40
        decoder: tasmota
        fields:
          co2: {quantity: co2, path: SCD30.CarbonDioxide}
    """
    subscriptions = """
  subscriptions:
    - topic: "tele/{device}/SENSOR"
      profile: tasmota-scd40
      devices:
        co2-office: {id: co2-office, zone: hall}
"""
    site = load_site(site_with(tmp_path, subscriptions, {"tasmota-scd40.yaml": scd30}))
    decoded = router(site).decode(
        "tele/co2-office/SENSOR", b'{"Time":"2026-11-28T10:00:00","SCD30":{"CarbonDioxide":640}}', NOW
    )
    assert [(r.sensor, r.value) for r in decoded.readings] == [("co2-office.co2", 640)]
    assert site.config.mqtt is not None
    assert site.config.mqtt.subscriptions[0].availability is None  # the site's profile has none


def test_unknown_profile_names_the_line_and_the_valid_ids(tmp_path: Path) -> None:
    text = errors(
        site_with(tmp_path, WITH_PROFILES.replace("profile: tasmota-scd40", "profile: tasmota-scd4"))
    )
    assert (
        "anjing-test.yaml:15: mqtt.subscriptions[0].profile: 未知 MQTT profile / unknown MQTT profile "
        "'tasmota-scd4' — did you mean 'tasmota-scd40'? valid: tasmota-scd40, z2m-door-contact, "
        "z2m-occupancy-exit"
    ) in text


def test_bad_profile_files_name_their_file_and_line(tmp_path: Path) -> None:
    bad = """
        id: bad-door
        decoder: zigbee2mqtt
        fields:
          contact: {quantity: door_state, states: {"true": shut}}
          battery: {quantity: battery_voltage, unit: parsecs}
    """
    misnamed = """
        id: other-door
        fields:
          contact: {quantity: door_state}
    """
    subscriptions = """
  subscriptions:
    - topic: "zigbee2mqtt/{device}"
      profile: bad-door
      devices:
        stair_door: {id: door-stair, zone: hall}
"""
    text = errors(site_with(tmp_path, subscriptions, {"bad-door.yaml": bad, "misnamed.yaml": misnamed}))
    assert "mqtt/bad-door.yaml:4: fields.contact.states: 未知状态 / unknown state 'shut'" in text
    assert "mqtt/bad-door.yaml:5: fields.battery.unit: 单位无法换算 / unit 'parsecs'" in text
    assert "mqtt/misnamed.yaml:1: id: id 与文件名不符 / id 'other-door' differs from the file name" in text
    assert "unknown MQTT profile" not in text  # a profile that failed to load is not also unknown


def test_subscriptions_that_do_not_fit_their_profile(tmp_path: Path) -> None:
    subscriptions = """
  subscriptions:
    - topic: "z2m/{device}"
      profile: z2m-door-contact
      devices:
        stair_door: {id: door-stair, zone: hall}
    - topic: "lux/{device}"
      profile: lux-klx
      fields:
        lux_2: {quantity: illuminance}
      devices:
        hall: {id: lux-hall, zone: hall}
"""
    number = """
        id: lux-klx
        decoder: number
        fields:
          lux: {quantity: illuminance, unit: klx}
    """
    text = errors(site_with(tmp_path, subscriptions, {"lux-klx.yaml": number}))
    assert (
        "anjing-test.yaml:14: mqtt.subscriptions[0].availability: 配置文件的在线主题与订阅主题不符 / profile "
        "z2m-door-contact's availability 'zigbee2mqtt/{device}/availability' does not fit the topic 'z2m/{device}'"
    ) in text
    assert "anjing-test.yaml:20: mqtt.subscriptions[1].fields: number 解码器只有一个值" in text
    neither = (
        '\n  subscriptions:\n    - topic: "zigbee2mqtt/{device}"\n      devices: {exit: {id: exit-radar}}\n'
    )
    text = errors(mqtt_site(tmp_path, 1883, client_id="neither", subscriptions=neither))
    assert (
        "neither.yaml:14: mqtt.subscriptions[0].fields: 缺少字段映射 / a subscription needs fields:" in text
    )


def test_an_availability_of_its_own_or_none(tmp_path: Path) -> None:
    subscriptions = """
  subscriptions:
    - topic: "z2m/{device}"
      profile: z2m-door-contact
      availability: "z2m/{device}/availability"
      devices:
        stair_door: {id: door-stair, zone: hall}
    - topic: "z2m/{device}"
      profile: z2m-door-contact
      availability: null
      devices:
        exit_door: {id: door-exit, zone: hall}
"""
    site = load_site(site_with(tmp_path, subscriptions))
    assert site.config.mqtt is not None
    assert [s.availability for s in site.config.mqtt.subscriptions] == ["z2m/{device}/availability", None]
