"""A device's register space as its profile lays it out, and decoding run backwards: value → registers.

Each function code gets one block from the profile's lowest to its highest address, gaps reading 0,
so a collector may merge reads across gaps as it would on a real device; anything outside answers
exception 2 (illegal address).
"""

from __future__ import annotations

from dataclasses import dataclass

from sensors import DataType, FieldSpec, FunctionCode, decode, encode, to_canonical

_LIMITS: dict[DataType, tuple[int, int]] = {
    DataType.INT16: (-0x8000, 0x7FFF),
    DataType.UINT16: (0, 0xFFFF),
    DataType.INT32: (-0x8000_0000, 0x7FFF_FFFF),
    DataType.UINT32: (0, 0xFFFF_FFFF),
}
_NO_VALUE = {1: 0x7FFF, 2: 0x7FFF_FFFF}  # what devices answer for "no value"; 0x7FFFFFFF is also a float NaN
_WIDTH = {1: DataType.UINT16, 2: DataType.UINT32}


def is_measurement(spec: FieldSpec) -> bool:
    """A number the device measures in registers: what drifts, and what a fault code replaces."""
    return not (
        spec.quantity.info.is_state
        or spec.function_code.is_bits
        or spec.data_type in {DataType.BIT, DataType.STRING}
    )


def state_code(spec: FieldSpec, label: str) -> int | None:
    """The raw code that decodes to `label`: the first one in the field's `states`, else its index."""
    if spec.states:
        return next((code for code, name in spec.states.items() if name == label), None)
    return spec.quantity.info.states.index(label)


def resting_state(spec: FieldSpec) -> str:
    """What a state field shows while nothing happens: its quantity's first label (normal, ok, on,
    closed, clear), or the label of its lowest code when the profile gives none for that one."""
    first = spec.quantity.info.states[0]
    return first if state_code(spec, first) is not None else spec.states[min(spec.states)]


def state_registers(spec: FieldSpec, label: str) -> tuple[list[int], float]:
    """Registers (or the bit) serving state `label`, and the value a reading of them holds: its index."""
    code = state_code(spec, label)
    if code is None:
        raise ValueError(f"{spec.key} has no code for state {label!r}")  # check_event refuses such events
    if spec.function_code.is_bits or spec.data_type is DataType.BIT:
        registers = encode(code, DataType.BIT, bit=spec.bit or 0)
    else:
        registers = encode(code, spec.data_type, spec.byte_order, length=spec.length)
    return registers, float(spec.quantity.info.states.index(label))


def raw_number(spec: FieldSpec, value: float, molar_volume: float) -> int | float:
    """The number a device holds for canonical `value`: device unit, offset and scale undone, an integer
    type rounded and saturating at its ends as a transmitter does."""
    per_unit = to_canonical(1.0, spec.unit, spec.quantity, molar_volume=molar_volume)
    raw = (value / per_unit - spec.offset) / spec.scale
    if spec.data_type not in _LIMITS:
        return raw
    low, high = _LIMITS[spec.data_type]
    return min(high, max(low, round(raw)))


def measurement_registers(spec: FieldSpec, raw: int | float, molar_volume: float) -> tuple[list[int], float]:
    """Registers serving `raw` (from raw_number), and the canonical value a collector decodes from them."""
    registers = encode(raw, spec.data_type, spec.byte_order)
    served = float(decode(registers, spec.data_type, spec.byte_order))  # float32 keeps only 24 bits
    device_value = served * spec.scale + spec.offset
    canonical = to_canonical(device_value, spec.unit, spec.quantity, molar_volume=molar_volume)
    return registers, round(canonical, 6)


def fault_registers(spec: FieldSpec) -> list[int]:
    """The field's "no value" answer: 0x7FFF (0x7FFFFFFF for two registers) unless the profile lists
    other fault codes, so that the collector recognises it."""
    pattern = _NO_VALUE[spec.count]
    if spec.fault_codes and pattern not in spec.fault_codes:
        pattern = min(spec.fault_codes)
    return encode(pattern, _WIDTH[spec.count], spec.byte_order)


@dataclass(slots=True)
class Block:
    start: int
    words: list[int]  # registers, or 0/1 per coil or discrete input


class DeviceMemory:
    """What one unit serves on its bus. A silent unit does not answer at all, as a dead slave on RS-485."""

    def __init__(self, fields: tuple[FieldSpec, ...]) -> None:
        self.silent = False
        spans: dict[FunctionCode, tuple[int, int]] = {}
        for spec in fields:
            low, high = spans.get(spec.function_code, (spec.address, spec.end))
            spans[spec.function_code] = (min(low, spec.address), max(high, spec.end))
        self.blocks = {fc: Block(low, [0] * (high - low)) for fc, (low, high) in spans.items()}

    def read(self, function_code: FunctionCode, address: int, count: int) -> list[int] | None:
        """`count` words from `address`, or None when the range is not all in the device's map."""
        block = self.blocks.get(function_code)
        if block is None:
            return None
        offset = address - block.start
        if offset < 0 or count < 1 or offset + count > len(block.words):
            return None
        return block.words[offset : offset + count]

    def write(self, spec: FieldSpec, registers: list[int]) -> None:
        block = self.blocks[spec.function_code]
        offset = spec.address - block.start
        if spec.data_type is DataType.BIT and not spec.function_code.is_bits:
            mask = 1 << (spec.bit or 0)  # one bit of a register that other fields share
            block.words[offset] = (block.words[offset] & ~mask) | registers[0]
        else:
            block.words[offset : offset + len(registers)] = registers
