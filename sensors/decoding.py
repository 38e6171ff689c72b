"""From a field's raw registers (or bits) to a `Reading`: fault codes, states, scaling, units, range."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sensors.codec import CodecError, decode, raw_pattern
from sensors.profile import DataType, FieldSpec
from sensors.reading import Quality, Reading
from sensors.units import DEFAULT_MOLAR_VOLUME, to_canonical


def decode_field(
    spec: FieldSpec,
    raw: Sequence[int],
    *,
    sensor: str,
    ts: datetime,
    molar_volume: float = DEFAULT_MOLAR_VOLUME,
) -> Reading:
    """Decode one field. Never raises for bad device data: that becomes the reading's quality."""
    quantity = spec.quantity

    def bad(state: str | None = None) -> Reading:
        return Reading(sensor, quantity, None, ts, Quality.BAD, state)

    if spec.function_code.is_bits:
        if not raw:
            return bad()
        value: int | float | str = 1 if raw[0] else 0
    else:
        try:
            if spec.fault_codes and raw_pattern(raw, spec.byte_order) in spec.fault_codes:
                return bad()
            value = decode(raw, spec.data_type, spec.byte_order, bit=spec.bit or 0)
        except CodecError:
            return bad()
    if isinstance(value, str) or spec.data_type is DataType.STRING:
        return bad()  # strings (model names, firmware) are metadata, not measurements
    if isinstance(value, float) and not math.isfinite(value):
        return bad()  # NaN / ±inf: a float32 device's "no value", and no state index either
    states = quantity.info.states
    if states:
        label = spec.states.get(int(value)) if spec.states else _default_state(int(value), states)
        if label is None:
            return bad()
        return Reading(sensor, quantity, float(states.index(label)), ts, Quality.GOOD, label)
    number = to_canonical(value * spec.scale + spec.offset, spec.unit, quantity, molar_volume=molar_volume)
    number = round(number, 6)
    low, high = spec.valid_min, spec.valid_max
    if (low is not None and number < low) or (high is not None and number > high):
        return Reading(sensor, quantity, number, ts, Quality.OUT_OF_RANGE)
    return Reading(sensor, quantity, number, ts, Quality.GOOD)


def _default_state(raw: int, states: tuple[str, ...]) -> str | None:
    """Without an explicit map, raw 0, 1, … are the quantity's states in order."""
    return states[raw] if 0 <= raw < len(states) else None
