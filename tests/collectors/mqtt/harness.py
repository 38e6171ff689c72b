"""Sites with MQTT subscriptions, a publisher, and reading back what the store holds."""

from __future__ import annotations

import asyncio
import inspect
import textwrap
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import orjson

from anjing.runtime import Runtime

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)  # payload times: seq ms after it

SUBSCRIPTIONS = """
  subscriptions:
    - topic: "anjing/{zone}/{device}/telemetry"
      decoder: json
      interval: 10s
      timestamp: ts
      fields:
        co2: {quantity: co2}
        temp: {quantity: temperature, path: env.t, scale: 0.1}
        hcho: {quantity: hcho, unit: µg/m³, valid_max: 1.0}
      devices:
        gw-1: {id: aq-gw-1, zone: hall, name: 大厅网关}
        gw-2: {id: aq-gw-2, zone: hall}
    - topic: "zigbee2mqtt/{device}"
      decoder: zigbee2mqtt
      availability: "zigbee2mqtt/{device}/availability"
      interval: 60s
      fields:
        contact: {quantity: door_state, states: {"true": closed, "false": open}}
        occupancy: {quantity: exit_blocked, states: {"true": blocked, "false": clear}}
      devices:
        stair_door: {id: door-stair, zone: hall}
    - topic: "tele/{device}/SENSOR"
      decoder: tasmota
      availability: "tele/{device}/LWT"
      interval: 30s
      fields:
        co2: {quantity: co2, path: SCD40.CarbonDioxide}
        humidity: {quantity: humidity, path: SCD40.Humidity}
      devices:
        co2-office: {id: co2-office, zone: hall}
    - topic: "lux/{device}"
      decoder: number
      interval: 10s
      fields:
        lux: {quantity: illuminance, unit: klx}
      devices:
        hall: {id: lux-hall, zone: hall}
"""


def mqtt_site(
    folder: Path,
    port: int,
    *,
    client_id: str = "anjing-test",
    db: str = "data/test.db",
    mqtt: str = "",
    subscriptions: str = SUBSCRIPTIONS,
    url: str | None = None,
) -> Path:
    """A site with one zone and the MQTT subscriptions above (`mqtt` adds keys to the section)."""
    head = textwrap.dedent(
        f"""
        site: {{name: 测试中心, timezone: Asia/Shanghai}}
        zones:
          - {{id: hall, name: 服务大厅, kind: service_hall}}
        storage:
          sqlite: {{path: {db}}}
          flush_interval: 100ms
          queue_size: 200  # small: a held-up store soon holds up the collector
          batch_size: 100
        mqtt:
          url: {url or f"mqtt://127.0.0.1:{port}"}
          client_id: {client_id}
          backoff_max: 1s
        """
    )
    path = folder / f"{client_id}.yaml"
    path.write_text(head.lstrip() + mqtt + subscriptions.lstrip("\n"), encoding="utf-8")
    return path


def telemetry(seq: int, co2: float | None = None) -> bytes:
    """A gateway's JSON: co2 = 400 + seq, a distinct timestamp per message."""
    ts = (BASE + timedelta(milliseconds=seq)).timestamp() * 1000
    return orjson.dumps({"ts": ts, "co2": 400 + seq if co2 is None else co2, "env": {"t": 231}, "hcho": 20})


async def publish_all(
    port: int, messages: Iterable[tuple[str, bytes]], *, qos: int = 1, window: int = 200
) -> int:
    """Publish every message, `window` at a time in flight (faster than Anjing stores them, so the
    broker holds a backlog); after a lost connection, send again what the broker did not acknowledge."""
    pending = list(messages)
    sent = 0
    while sent < len(pending):
        try:
            async with aiomqtt.Client(
                "127.0.0.1", port, identifier="test-publisher", timeout=5, max_inflight_messages=window
            ) as client:
                while sent < len(pending):
                    chunk = pending[sent : sent + window]
                    results = await asyncio.gather(
                        *(client.publish(t, p, qos=qos) for t, p in chunk), return_exceptions=True
                    )
                    failed = next((r for r in results if isinstance(r, BaseException)), None)
                    if failed is not None:
                        raise failed
                    sent += len(chunk)
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)
    return sent


async def stored(runtime: Runtime, sensor: str) -> list[float]:
    """The values of `sensor` in the store, in time order."""
    readings = await runtime.store.raw(
        sensor, BASE - timedelta(days=1), datetime.now(UTC) + timedelta(days=1), limit=1_000_000
    )
    return [r.value for r in readings if r.value is not None]


async def until(check: Callable[[], object], within: float = 20.0) -> None:
    """Wait until `check()` (sync or async) is true."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.05)
