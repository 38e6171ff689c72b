"""A storm of malformed messages among good ones: every good one stored, every bad one counted by reason."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from anjing.runtime import Runtime
from config import load_site
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, publish_all, stored, telemetry, until

BAD_GW = "anjing/hall/gw-2/telemetry"
FUTURE = (datetime.now(UTC) + timedelta(days=2)).timestamp()
# (topic, payload, reason) — one of each kind the collector must reject
BAD: list[tuple[str, bytes, str]] = [
    (BAD_GW, b"{not json", "malformed"),
    (BAD_GW, b"[1, 2, 3]", "malformed"),
    (BAD_GW, b'{"co2": NaN}', "malformed"),  # NaN is not JSON
    (BAD_GW, b'{"co2": "high"}', "wrong_type"),
    (BAD_GW, b'{"co2": -5}', "implausible"),
    (BAD_GW, b'{"co2": 500, "ts": "yesterday"}', "bad_timestamp"),
    (BAD_GW, orjson.dumps({"co2": 500, "ts": FUTURE * 1000}), "future_timestamp"),
    (BAD_GW, b'{"battery": 97}', "missing_field"),
    (BAD_GW, b'{"co2": 500, "pad": "' + b"x" * 2000 + b'"}', "oversized"),
    ("anjing/hall/gw-9/telemetry", b'{"co2": 500}', "unknown_device"),
    ("lux/hall", b"nan", "not_finite"),
    ("lux/hall", b"inf", "not_finite"),
    ("zigbee2mqtt/stair_door", b'{"contact": "maybe"}', "unknown_state"),
]


async def test_storm_of_bad_messages(
    tmp_path: Path, mosquitto: Mosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    site = load_site(mqtt_site(tmp_path, mosquitto.port, mqtt="  max_payload: 1024\n"))
    bad_count, good_every = 10_000, 5
    messages: list[tuple[str, bytes]] = []
    expected: Counter[str] = Counter()
    good = 0
    for i in range(bad_count):
        topic, payload, reason = BAD[i % len(BAD)]
        messages.append((topic, payload))
        expected[reason] += 1
        if i % good_every == 0:
            messages.append(("anjing/hall/gw-1/telemetry", telemetry(good)))
            good += 1
    caplog.set_level(logging.WARNING, logger="collectors.mqtt")
    async with Runtime(site) as runtime:
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        await publish_all(mosquitto.port, messages)
        assert runtime.mqtt is not None
        rejections = runtime.mqtt.rejections

        async def complete() -> bool:
            return (
                sum(rejections.total.values()) >= bad_count
                and len(await stored(runtime, "aq-gw-1.co2")) >= good
            )

        await until(complete, within=60)
        assert dict(rejections.total) == dict(expected)
        assert sorted(await stored(runtime, "aq-gw-1.co2")) == [400.0 + i for i in range(good)]
        # the counters sit on the device (or on the broker link for unknown devices), by topic and reason
        gw2 = runtime.board.get("aq-gw-2")
        assert gw2 is not None
        assert gw2.rejected[BAD_GW]["malformed"] == expected["malformed"]
        assert gw2.last_error is not None
        link = runtime.board.get("mqtt:anjing-test")
        assert link is not None
        assert link.rejected["anjing/hall/gw-9/telemetry"] == {"unknown_device": expected["unknown_device"]}
        # healthy: still connected, and the next good message is stored
        assert link.online
        await publish_all(mosquitto.port, [("anjing/hall/gw-1/telemetry", telemetry(good))])

        async def one_more() -> bool:
            return len(await stored(runtime, "aq-gw-1.co2")) == good + 1

        await until(one_more)
    warnings = [r for r in caplog.records if "rejected" in r.getMessage()]
    assert 0 < len(warnings) <= 2 * len(BAD), (
        "rejections are logged at most once a minute per topic and reason"
    )
