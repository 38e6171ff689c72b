"""From a payload to readings: parse, find each mapped value, validate it, convert it to canonical units.

Every problem raises `PayloadError` with its `Reason`; a whole message is rejected for a bad payload
or timestamp, one value for a bad value (the message's other values are still stored).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import orjson

from collectors.mqtt.errors import PayloadError, Reason
from config.mqtt import Decoder, FieldMap, Subscription, TimestampFormat
from sensors import Quality, Quantity, Reading
from sensors.units import to_canonical

# What can physically be measured indoors; beyond it a value is a broken sensor or a broken payload.
# A quantity absent here takes DEFAULT_RANGE (concentrations, levels and voltages are never negative).
PHYSICAL_RANGE: dict[Quantity, tuple[float, float]] = {
    Quantity.TEMPERATURE: (-60.0, 150.0),
    Quantity.HUMIDITY: (0.0, 100.0),
    Quantity.CO2: (0.0, 100_000.0),
    Quantity.ILLUMINANCE: (0.0, 200_000.0),
    Quantity.NOISE: (0.0, 200.0),
}
DEFAULT_RANGE = (0.0, 1e6)
DEFAULT_TIMESTAMP = {Decoder.TASMOTA: "Time"}  # Tasmota's `Time` is local time without a zone
MISSING = object()


@dataclass(frozen=True, slots=True)
class CompiledField:
    key: str
    path: tuple[str, ...]
    spec: FieldMap
    states: dict[str, str]  # payload text (lowercase) → label


def compile_fields(sub: Subscription) -> tuple[CompiledField, ...]:
    return tuple(
        CompiledField(
            key,
            tuple((spec.path or key).split(".")),
            spec,
            {raw.lower(): label for raw, label in spec.states.items()},
        )
        for key, spec in sub.fields.items()
    )


def parse(decoder: Decoder, payload: bytes) -> Any:
    """The payload as data: a JSON object, or for `number` the one value (a float, or text for states)."""
    if decoder is Decoder.NUMBER:
        try:
            text = payload.decode().strip()
        except UnicodeDecodeError:
            raise PayloadError(Reason.MALFORMED, "not UTF-8 text") from None
        try:
            return float(text)
        except ValueError:
            if not text or len(text) > 64:
                raise PayloadError(Reason.MALFORMED, f"not a value: {text[:40]!r}") from None
            return text  # a state such as `open`; the field decides whether it is one
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(Reason.MALFORMED, f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PayloadError(Reason.MALFORMED, f"not a JSON object but {type(doc).__name__}")
    return doc


def lookup(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return MISSING
        doc = doc.get(part, MISSING)
        if doc is MISSING:
            return MISSING
    return doc


def timestamp(value: Any, fmt: TimestampFormat, tz: tzinfo, now: datetime, skew: float) -> datetime:
    """A payload's time: ISO text (naive = the site's timezone) or epoch seconds / milliseconds."""
    try:
        if isinstance(value, bool) or value is None:
            raise TypeError(value)
        if isinstance(value, int | float) and fmt is not TimestampFormat.ISO:
            millis = fmt is TimestampFormat.EPOCH_MS or (fmt is TimestampFormat.AUTO and value > 1e11)
            ts = datetime.fromtimestamp(value / 1000 if millis else value, UTC)
        elif isinstance(value, str) and fmt in {TimestampFormat.ISO, TimestampFormat.AUTO}:
            ts = datetime.fromisoformat(value)
            ts = ts if ts.tzinfo else ts.replace(tzinfo=tz)
        else:
            raise TypeError(value)
    except (TypeError, ValueError, OverflowError, OSError):
        raise PayloadError(Reason.BAD_TIMESTAMP, f"not a {fmt.value} time: {str(value)[:40]!r}") from None
    if ts - now > timedelta(seconds=skew):
        raise PayloadError(Reason.FUTURE_TIMESTAMP, f"{ts.isoformat()} is ahead of now {now.isoformat()}")
    return ts


def reading(sensor: str, field: CompiledField, raw: Any, ts: datetime, molar_volume: float) -> Reading:
    """One value → a Reading in canonical units; raise PayloadError for a value that is not one."""
    spec = field.spec
    quantity = spec.quantity
    labels = quantity.info.states
    if labels:
        label = _state(field, raw, labels)
        return Reading(sensor, quantity, float(labels.index(label)), ts, Quality.GOOD, label)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PayloadError(
            Reason.WRONG_TYPE, f"{field.key}: {type(raw).__name__} {str(raw)[:40]!r} is not a number"
        )
    if not math.isfinite(raw):
        raise PayloadError(Reason.NOT_FINITE, f"{field.key}: {raw}")
    number = round(
        to_canonical(raw * spec.scale + spec.offset, spec.unit, quantity, molar_volume=molar_volume), 6
    )
    low, high = PHYSICAL_RANGE.get(quantity, DEFAULT_RANGE)
    if not low <= number <= high:
        raise PayloadError(
            Reason.IMPLAUSIBLE, f"{field.key}: {number} {quantity.info.unit} outside {low}–{high}"
        )
    if (spec.valid_min is not None and number < spec.valid_min) or (
        spec.valid_max is not None and number > spec.valid_max
    ):
        return Reading(sensor, quantity, number, ts, Quality.OUT_OF_RANGE)
    return Reading(sensor, quantity, number, ts, Quality.GOOD)


def _state(field: CompiledField, raw: Any, labels: Sequence[str]) -> str:
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, int | float | str):
        text = str(raw).lower()
    else:
        raise PayloadError(Reason.WRONG_TYPE, f"{field.key}: {type(raw).__name__} is not a state")
    if field.states:
        label = field.states.get(text)
    elif text.isdigit() and int(text) < len(labels):
        label = labels[int(text)]
    else:
        label = text if text in labels else None
    if label is None:
        raise PayloadError(
            Reason.UNKNOWN_STATE, f"{field.key}: {text[:40]!r} is none of {', '.join(field.states or labels)}"
        )
    return label
