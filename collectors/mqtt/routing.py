"""Which subscription a topic belongs to, and the message → readings step (all checks, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from collectors.mqtt.decoding import (
    DEFAULT_TIMESTAMP,
    MISSING,
    CompiledField,
    compile_fields,
    lookup,
    parse,
    reading,
    timestamp,
)
from collectors.mqtt.errors import PayloadError, Reason
from collectors.mqtt.topics import TopicTemplate
from config.mqtt import Decoder, Mqtt, Subscription
from sensors import Reading
from sensors.catalog import sensor_id

AVAILABLE = {"online": True, "offline": False}  # Zigbee2MQTT, Tasmota LWT (Online/Offline), our own


@dataclass(frozen=True, slots=True)
class Route:
    """One subscription: its topic template, its fields, and each device's sensor ids."""

    template: TopicTemplate
    sub: Subscription
    fields: tuple[CompiledField, ...]
    sensors: dict[str, tuple[str, tuple[str, ...]]]  # {device} part → (device id, sensor id per field)
    timestamp: tuple[str, ...] | None

    @classmethod
    def of(cls, sub: Subscription) -> Route:
        fields = compile_fields(sub)
        path = sub.timestamp or DEFAULT_TIMESTAMP.get(sub.decoder)
        return cls(
            TopicTemplate(sub.topic),
            sub,
            fields,
            {
                name: (dev.id, tuple(sensor_id(dev.id, f.key) for f in fields))
                for name, dev in sub.devices.items()
            },
            tuple(path.split(".")) if path else None,
        )


@dataclass(slots=True)
class Decoded:
    """What one message gave: readings, per-value rejections, and the device (None if unknown)."""

    device: str | None
    readings: list[Reading]
    errors: list[PayloadError]
    available: bool | None = None  # an availability message: online / offline


class Router:
    def __init__(self, config: Mqtt, *, tz: tzinfo, molar_volume: float) -> None:
        self.config = config
        self.tz = tz
        self.molar_volume = molar_volume
        self.routes = [Route.of(sub) for sub in config.subscriptions]
        self.availability = [
            (TopicTemplate(sub.availability), route)
            for sub, route in zip(config.subscriptions, self.routes, strict=True)
            if sub.availability
        ]

    @property
    def filters(self) -> list[str]:
        """Every topic filter to subscribe to, without duplicates."""
        topics = [r.template.filter for r in self.routes] + [t.filter for t, _ in self.availability]
        return list(dict.fromkeys(topics))

    def decode(self, topic: str, payload: bytes, now: datetime) -> Decoded:
        """Readings of one message; raise PayloadError when the whole message is rejected."""
        if len(payload) > self.config.max_payload:
            raise PayloadError(
                Reason.OVERSIZED, f"{len(payload)} bytes > max_payload {self.config.max_payload}"
            )
        unknown: tuple[Route, str] | None = None  # subscriptions may share a template, each with its devices
        for route in self.routes:
            name = route.template.device(topic)
            if name is not None:
                if name in route.sensors:
                    return self._telemetry(route, name, payload, now)
                unknown = unknown or (route, name)
        if unknown is not None:
            self._device(*unknown)  # raises: an unknown device
        for template, route in self.availability:
            name = template.device(topic)
            if name is not None:
                device = self._device(route, name)
                try:
                    return Decoded(device, [], [], _availability(payload))
                except PayloadError as exc:
                    exc.device = device
                    raise
        raise PayloadError(Reason.UNKNOWN_TOPIC, "matches no subscription")

    @staticmethod
    def _device(route: Route, name: str) -> str:
        known = route.sensors.get(name)
        if known is None:
            raise PayloadError(
                Reason.UNKNOWN_DEVICE, f"device {name[:64]!r} is not under devices: of {route.sub.topic}"
            )
        return known[0]

    def _telemetry(self, route: Route, name: str, payload: bytes, now: datetime) -> Decoded:
        device = self._device(route, name)
        _, sensors = route.sensors[name]
        try:
            doc = parse(route.sub.decoder, payload)
            ts = now
            if route.timestamp is not None:
                raw_ts = lookup(doc, route.timestamp)
                if raw_ts is not MISSING:
                    ts = timestamp(
                        raw_ts, route.sub.timestamp_format, self.tz, now, self.config.max_clock_skew
                    )
        except PayloadError as exc:
            exc.device = device
            raise
        out = Decoded(device, [], [])
        for sensor, field in zip(sensors, route.fields, strict=True):
            raw = doc if route.sub.decoder is Decoder.NUMBER else lookup(doc, field.path)
            if raw is MISSING:
                continue  # a partial update (Zigbee2MQTT sends only what changed on some devices)
            try:
                out.readings.append(reading(sensor, field, raw, ts, self.molar_volume))
            except PayloadError as exc:
                out.errors.append(exc)
        if not out.readings and not out.errors:
            names = ", ".join(f.key for f in route.fields)
            raise PayloadError(Reason.MISSING_FIELD, f"none of {names} in the payload", device=device)
        return out


def _availability(payload: bytes) -> bool:
    """`online` / `offline` (any case), or Zigbee2MQTT's newer `{"state": "online"}`."""
    text = payload.decode(errors="replace").strip()
    if text.startswith("{"):
        try:
            doc = parse(Decoder.JSON, payload)
        except PayloadError:
            raise PayloadError(Reason.MALFORMED, f"availability is not JSON: {text[:40]!r}") from None
        text = str(doc.get("state", ""))
    state = AVAILABLE.get(text.lower())
    if state is None:
        raise PayloadError(Reason.MALFORMED, f"availability is neither online nor offline: {text[:40]!r}")
    return state
