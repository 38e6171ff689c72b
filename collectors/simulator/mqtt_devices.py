"""Simulated MQTT devices: each device of `mqtt.subscriptions` publishes as its real counterpart would.

A Zigbee2MQTT door sensor, a Tasmota CO2 monitor, a vendor gateway's JSON: the payload is built from
the subscription's own field map (the inverse of decoding), so the collector decodes it exactly as it
would decode the hardware. Values follow the same drifting ambient model as the Modbus simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, tzinfo
from random import Random
from types import TracebackType
from typing import Any, Self

import aiomqtt
import orjson

from collectors.simulator.values import Ambient, Conditions
from config.loader import Site
from config.models import RoomKind
from config.mqtt import Decoder, FieldMap, Mqtt, Subscription, field_spec
from sensors.units import to_canonical

log = logging.getLogger("collectors.simulator.mqtt")

RETRY = 1.0  # seconds between connection attempts to the (embedded) broker
TICK = 0.2  # seconds between looks at which device is due


class _Device:
    def __init__(self, sub: Subscription, name: str, kind: RoomKind | None, rng: Random) -> None:
        self.sub = sub
        self.topic = sub.topic.replace("{device}", name)
        for part in ("zone", "site"):  # other named parts: the device's own name stands in
            self.topic = self.topic.replace(f"{{{part}}}", name)
        self.availability = sub.availability.replace("{device}", name) if sub.availability else None
        self.ambient = {
            key: Ambient(field_spec(key, spec), kind, rng)
            for key, spec in sub.fields.items()
            if not spec.quantity.info.is_state
        }

    def payload(self, conditions: Conditions, now: datetime, dt: float, tz: tzinfo) -> bytes:
        values: dict[str, Any] = {}
        for key, spec in self.sub.fields.items():
            values[key] = self._raw(key, spec, conditions, dt)
        if self.sub.decoder is Decoder.NUMBER:
            return str(next(iter(values.values()))).encode()
        doc: dict[str, Any] = {}
        for key, spec in self.sub.fields.items():
            _put(doc, (spec.path or key).split("."), values[key])
        if self.sub.decoder is Decoder.TASMOTA:
            doc["Time"] = now.astimezone(tz).replace(tzinfo=None, microsecond=0).isoformat()
        elif self.sub.timestamp:
            _put(doc, self.sub.timestamp.split("."), now.isoformat())
        return orjson.dumps(doc)

    def _raw(self, key: str, spec: FieldMap, conditions: Conditions, dt: float) -> Any:
        if spec.quantity.info.is_state:
            label = spec.quantity.info.states[0]  # normal, closed, clear, on, ok
            raw = next((text for text, lbl in spec.states.items() if lbl == label), "0")
            return {"true": True, "false": False}.get(raw.lower(), int(raw) if raw.isdigit() else raw)
        ambient = self.ambient[key]
        ambient.step(ambient.target(conditions), dt)
        canonical = ambient.value or 0.0
        factor = to_canonical(1.0, spec.unit, spec.quantity) - to_canonical(0.0, spec.unit, spec.quantity)
        return round((canonical / factor - spec.offset) / spec.scale, 2)


def _put(doc: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        doc = doc.setdefault(part, {})
    doc[path[-1]] = value


class MqttDevices:
    """Publishes every MQTT device of the site until stopped; reconnects to the broker as needed."""

    def __init__(self, site: Site, config: Mqtt) -> None:
        self.site = site
        self.config = config
        rng = Random(site.config.simulator.seed)
        kinds = {zone.id: zone.kind for zone in site.config.zones}
        self.devices = [
            _Device(sub, name, kinds.get(dev.zone or ""), rng)
            for sub in config.subscriptions
            for name, dev in sub.devices.items()
        ]
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="simulator.mqtt")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        v5 = self.config.protocol == "5"
        version = aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311
        while True:
            try:
                client = aiomqtt.Client(
                    self.config.host, self.config.port, identifier="anjing-simulator", protocol=version
                )
                async with client:
                    await self._publish(client)
            except aiomqtt.MqttError as exc:
                log.debug("simulated MQTT devices: %s — retrying", exc)
            await asyncio.sleep(RETRY)

    async def _publish(self, client: aiomqtt.Client) -> None:
        info = self.site.config.site
        for device in self.devices:
            if device.availability:
                await client.publish(device.availability, b"online", qos=1, retain=True)
        due = dict.fromkeys(range(len(self.devices)), 0.0)
        loop = asyncio.get_running_loop()
        while True:
            now = datetime.now(UTC)
            conditions = Conditions.at(now, info)
            for i, device in enumerate(self.devices):
                if loop.time() >= due[i]:
                    payload = device.payload(conditions, now, device.sub.interval, info.tz)
                    await client.publish(device.topic, payload, qos=1)
                    due[i] = loop.time() + device.sub.interval
            await asyncio.sleep(TICK)
