"""Decoders and checks without a broker: payload → readings, each rejection reason, config errors with lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collectors.mqtt import PayloadError, Reason, Router, TopicTemplate, shared
from config import ConfigError, load_site
from tests.collectors.mqtt.harness import mqtt_site

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def router(tmp_path: Path) -> Router:
    site = load_site(mqtt_site(tmp_path, 1883))
    assert site.config.mqtt is not None
    return Router(site.config.mqtt, tz=ZoneInfo("Asia/Shanghai"), molar_volume=22.414)


def test_topic_templates() -> None:
    template = TopicTemplate("anjing/{zone}/{device}/telemetry")
    assert template.filter == "anjing/+/+/telemetry"
    assert template.device("anjing/hall/gw-1/telemetry") == "gw-1"
    assert template.device("anjing/hall/gw-1/state") is None
    assert template.device("anjing/hall/gw-1") is None
    tail = TopicTemplate("site/{device}/#")
    assert tail.filter == "site/+/#"
    assert tail.device("site/a/b/c") == "a"
    assert tail.device("site/a") == "a"
    assert shared("a/+", "ingest") == "$share/ingest/a/+"
    assert shared("a/+", None) == "a/+"


def test_json_with_paths_scaling_units_and_timestamp(router: Router) -> None:
    decoded = router.decode(
        "anjing/hall/gw-1/telemetry",
        b'{"ts": "2026-11-28T09:30:00", "co2": 612, "env": {"t": 215}, "hcho": 1200}',
        NOW,
    )
    by = {r.sensor: r for r in decoded.readings}
    assert decoded.device == "aq-gw-1"
    assert by["aq-gw-1.co2"].value == 612
    assert by["aq-gw-1.temp"].value == pytest.approx(21.5)
    assert by["aq-gw-1.hcho"].value == pytest.approx(1.2)
    assert by["aq-gw-1.hcho"].quality == "out_of_range"  # valid_max 1.0: stored, flagged
    assert by["aq-gw-1.co2"].ts == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)  # naive = the site's timezone


def test_zigbee2mqtt_tasmota_number_and_availability(router: Router) -> None:
    z = router.decode("zigbee2mqtt/stair_door", b'{"contact": true, "battery": 97}', NOW)
    assert [(r.sensor, r.state, r.value) for r in z.readings] == [("door-stair.contact", "closed", 0.0)]
    t = router.decode(
        "tele/co2-office/SENSOR", b'{"Time":"2026-11-28T10:00:00","SCD40":{"CarbonDioxide":812}}', NOW
    )
    assert [(r.sensor, r.value) for r in t.readings] == [("co2-office.co2", 812)]
    assert t.readings[0].ts == NOW
    n = router.decode("lux/hall", b" 1.5 ", NOW)
    assert [(r.sensor, r.value) for r in n.readings] == [("lux-hall.lux", 1500)]
    assert [e.reason for e in router.decode("lux/hall", b"-inf", NOW).errors] == [Reason.NOT_FINITE]
    assert router.decode("tele/co2-office/LWT", b"Offline", NOW).available is False
    assert router.decode("zigbee2mqtt/stair_door/availability", b'{"state":"online"}', NOW).available is True


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (
            "elsewhere/x",
            b"{}",
            Reason.UNKNOWN_TOPIC,
        ),  # e.g. a subscription left in the session by an old config
        ("lux/lobby", b"1", Reason.UNKNOWN_DEVICE),
        ("anjing/hall/gw-1/telemetry", b"\xff\xfe", Reason.MALFORMED),
        ("anjing/hall/gw-1/telemetry", b'"text"', Reason.MALFORMED),
        ("anjing/hall/gw-1/telemetry", b'{"co2": 1, "ts": true}', Reason.BAD_TIMESTAMP),
        ("anjing/hall/gw-1/telemetry", b'{"co2": 1, "ts": "2026-11-29T02:00:00Z"}', Reason.FUTURE_TIMESTAMP),
        ("anjing/hall/gw-1/telemetry", b'{"other": 1}', Reason.MISSING_FIELD),
        ("anjing/hall/gw-1/telemetry", b"x" * 70_000, Reason.OVERSIZED),
        ("lux/hall", b"", Reason.MALFORMED),
        ("zigbee2mqtt/stair_door/availability", b"maybe", Reason.MALFORMED),
    ],
)
def test_rejected_messages(router: Router, topic: str, payload: bytes, reason: Reason) -> None:
    with pytest.raises(PayloadError) as caught:
        router.decode(topic, payload, NOW)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"co2": "812"}', Reason.WRONG_TYPE),
        (b'{"co2": true}', Reason.WRONG_TYPE),
        (b'{"co2": [1]}', Reason.WRONG_TYPE),
        (b'{"co2": 1e9}', Reason.IMPLAUSIBLE),
        (b'{"env": {"t": -900}}', Reason.IMPLAUSIBLE),
    ],
)
def test_a_bad_value_rejects_only_itself(router: Router, payload: bytes, reason: Reason) -> None:
    decoded = router.decode("anjing/hall/gw-1/telemetry", payload[:-1] + b', "hcho": 10}', NOW)
    assert [e.reason for e in decoded.errors] == [reason]
    assert [r.sensor for r in decoded.readings] == ["aq-gw-1.hcho"]


def test_config_errors_name_the_line(tmp_path: Path) -> None:
    bad = """
  subscriptions:
    - topic: "anjing/{zone}/telemetry"
      fields:
        co2: {quantity: co2, unit: furlongs}
        door: {quantity: door_state, states: {"1": ajar}}
      devices:
        gw: {id: gw, zone: attic}
"""
    with pytest.raises(ConfigError) as caught:
        load_site(mqtt_site(tmp_path, 1883, subscriptions=bad))
    text = str(caught.value)
    assert "anjing-test.yaml:14: mqtt.subscriptions[0].topic:" in text
    assert "needs {device} exactly once" in text
    assert "anjing-test.yaml:16: mqtt.subscriptions[0].fields.co2.unit: 单位无法换算" in text
    assert (
        "anjing-test.yaml:17: mqtt.subscriptions[0].fields.door.states: 未知状态 / unknown state 'ajar'"
        in text
    )
    assert (
        "anjing-test.yaml:19: mqtt.subscriptions[0].devices.gw.zone: 未知 zone / unknown zone 'attic'" in text
    )


def test_shared_group_and_embedded_broker_need_their_protocol(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_site(mqtt_site(tmp_path, 1883, mqtt="  protocol: 3.1.1\n  shared_group: ingest\n"))
    assert "anjing-test.yaml:13: mqtt.protocol: 共享订阅需要 MQTT 5 / shared_group needs protocol 5" in str(
        caught.value
    )
    with pytest.raises(ConfigError) as caught:
        load_site(mqtt_site(tmp_path, 1883, mqtt="  embedded: true\n"))
    assert "mqtt.embedded: 内置代理仅限本机 MQTT 3.1.1" in str(caught.value)


def test_device_ids_are_unique_across_subscriptions(tmp_path: Path) -> None:
    subs = """
  subscriptions:
    - topic: "a/{device}"
      fields: {co2: {quantity: co2}}
      devices: {one: {id: dev-1}}
    - topic: "b/{device}"
      fields: {co2: {quantity: co2}}
      devices: {two: {id: dev-1}}
"""
    with pytest.raises(ConfigError) as caught:
        load_site(mqtt_site(tmp_path, 1883, subscriptions=subs))
    assert "mqtt.subscriptions[1].devices.two.id: id 重复 / duplicate device id 'dev-1'" in str(caught.value)
