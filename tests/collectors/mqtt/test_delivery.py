"""Delivery through a real Mosquitto: every decoder end to end, broker restart, backlog, shared groups."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest

from anjing.runtime import Runtime
from collectors import StatusBoard
from collectors.mqtt import MqttCollector
from config import load_site
from sensors import Reading
from storage import ReadingStream
from tests.collectors.mqtt.broker import Mosquitto
from tests.collectors.mqtt.harness import mqtt_site, publish_all, stored, telemetry, until


async def test_each_decoder_reaches_the_store(tmp_path: Path, mosquitto: Mosquitto) -> None:
    site = load_site(mqtt_site(tmp_path, mosquitto.port))
    async with Runtime(site) as runtime:
        assert {"aq-gw-1.co2", "door-stair.contact", "co2-office.co2", "lux-hall.lux"} <= set(runtime.catalog)
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        await publish_all(
            mosquitto.port,
            [
                ("anjing/hall/gw-1/telemetry", telemetry(0)),
                (
                    "zigbee2mqtt/stair_door",
                    b'{"contact":false,"occupancy":true,"battery":97,"linkquality":120}',
                ),
                (
                    "tele/co2-office/SENSOR",
                    b'{"Time":"2026-11-28T10:00:00","SCD40":{"CarbonDioxide":812,"Temperature":23.1,"Humidity":41.2},"TempUnit":"C"}',
                ),
                ("lux/hall", b"0.35"),
            ],
        )
        await until(lambda: runtime.stored >= 8)
        latest = {r.sensor: r for r in await runtime.store.latest()}
    assert latest["aq-gw-1.co2"].value == 400
    assert latest["aq-gw-1.temp"].value == pytest.approx(23.1)
    assert latest["aq-gw-1.hcho"].value == pytest.approx(0.02)  # 20 µg/m³ → mg/m³
    assert latest["door-stair.contact"].state == "open"
    assert latest["door-stair.occupancy"].state == "blocked"
    assert latest["co2-office.co2"].value == 812
    assert latest["co2-office.co2"].ts.isoformat() == "2026-11-28T02:00:00+00:00"  # Tasmota's local Time
    assert latest["co2-office.humidity"].value == pytest.approx(41.2)
    assert latest["lux-hall.lux"].value == pytest.approx(350)


async def test_broker_restart_loses_nothing_the_broker_accepted(tmp_path: Path, mosquitto: Mosquitto) -> None:
    site = load_site(mqtt_site(tmp_path, mosquitto.port))
    count = 3000
    topic = "anjing/hall/gw-1/telemetry"
    async with Runtime(site) as runtime:
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        await publish_all(mosquitto.port, [(topic, telemetry(i)) for i in range(count // 2)])
        await asyncio.to_thread(mosquitto.restart)
        await publish_all(mosquitto.port, [(topic, telemetry(i)) for i in range(count // 2, count)])
        collector = runtime.mqtt
        assert collector is not None
        await until(lambda: collector.connects >= 2)

        async def complete() -> bool:
            return len(set(await stored(runtime, "aq-gw-1.co2"))) == count

        await until(complete, within=30)
        assert set(await stored(runtime, "aq-gw-1.co2")) == {400.0 + i for i in range(count)}


async def test_messages_received_but_not_in_the_stream_at_stop_come_again(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    """Anjing stops while its stream is full (the store is behind) and a backlog waits in the client:
    those messages were not acknowledged, so the broker delivers them to the next run. (With paho's
    automatic acknowledgement they would be acknowledged and lost.)"""
    site = load_site(mqtt_site(tmp_path, mosquitto.port))
    assert site.config.mqtt is not None
    config = site.config.mqtt
    topic = "anjing/hall/gw-1/telemetry"
    values: set[float] = set()

    def take(batch: list[Reading]) -> None:
        values.update(r.value for r in batch if r.sensor == "aq-gw-1.co2" and r.value is not None)

    stream = ReadingStream(capacity=300)
    first = MqttCollector(config, stream, StatusBoard(), base_dir=tmp_path, molar_volume=22.414)
    async with running(first):
        await until(lambda: first.link.online)
        await publish_all(mosquitto.port, [(topic, telemetry(i)) for i in range(1000)])
        await until(lambda: stream.pending > 0)
        await asyncio.sleep(
            1.0
        )  # nobody drains the stream: the collector waits for room, a backlog behind it
    take(await stream.get(10_000, wait=0))  # what the first run had put into its stream
    assert len(values) < 1000
    stream = ReadingStream(capacity=300)
    second = MqttCollector(config, stream, StatusBoard(), base_dir=tmp_path, molar_volume=22.414)
    async with running(second):

        async def drained() -> bool:
            take(await stream.get(10_000, wait=0.05))
            return len(values) == 1000

        await until(drained, within=15)
    assert values == {400.0 + i for i in range(1000)}


@contextlib.asynccontextmanager
async def running(collector: MqttCollector) -> AsyncIterator[None]:
    task = asyncio.create_task(collector.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_backlog_published_while_anjing_was_down_is_delivered(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    """The issue's "stopped for 10 s" shortened to 2 s of publishing while Anjing is down: the same
    path (the broker queues for the persistent session, delivers it on the next connect)."""
    site = load_site(mqtt_site(tmp_path, mosquitto.port))
    async with Runtime(site) as runtime:
        await until(lambda: runtime.board.get("mqtt:anjing-test").online)  # type: ignore[union-attr]
        await publish_all(mosquitto.port, [("anjing/hall/gw-1/telemetry", telemetry(i)) for i in range(100)])
        await until(lambda: runtime.stored >= 300)
    async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="test-publisher") as client:
        for i in range(100, 1100):
            await client.publish("anjing/hall/gw-1/telemetry", telemetry(i), qos=1)
            if i % 100 == 0:
                await asyncio.sleep(0.2)  # 2 s of publishing while Anjing is away
    async with Runtime(site) as runtime:

        async def complete() -> bool:
            return len(set(await stored(runtime, "aq-gw-1.co2"))) == 1100

        await until(complete)
        assert set(await stored(runtime, "aq-gw-1.co2")) == {400.0 + i for i in range(1100)}


async def test_shared_group_splits_the_stream_between_workers(tmp_path: Path, mosquitto: Mosquitto) -> None:
    count = 2000
    sites = [
        load_site(
            mqtt_site(
                tmp_path,
                mosquitto.port,
                client_id=f"worker-{n}",
                db=f"data/w{n}.db",
                mqtt="  shared_group: ingest\n",
            )
        )
        for n in (1, 2)
    ]
    async with Runtime(sites[0]) as one, Runtime(sites[1]) as two:
        await until(lambda: one.board.get("mqtt:worker-1").online and two.board.get("mqtt:worker-2").online)  # type: ignore[union-attr]
        await publish_all(
            mosquitto.port, [("anjing/hall/gw-1/telemetry", telemetry(i)) for i in range(count)]
        )

        async def complete() -> bool:
            return len(await stored(one, "aq-gw-1.co2")) + len(await stored(two, "aq-gw-1.co2")) >= count

        await until(complete)
        await asyncio.sleep(0.5)  # nothing more arrives: no message went to both
        first, second = set(await stored(one, "aq-gw-1.co2")), set(await stored(two, "aq-gw-1.co2"))
    assert first, "both workers must get a share"
    assert second, "both workers must get a share"
    assert not first & second
    assert first | second == {400.0 + i for i in range(count)}
