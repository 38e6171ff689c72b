"""Device profiles: a register map as data, in the manner of Home Assistant's entity descriptions.

A profile is loaded from `config/profiles/*.yaml` by `config.profiles`; this module only holds the
frozen shapes, so that every part can read a profile without importing the loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from sensors.quantities import Quantity

MAX_REGISTERS_PER_REQUEST = 125  # Modbus application protocol, FC03/FC04
MAX_BITS_PER_REQUEST = 2000  # FC01/FC02


class FunctionCode(IntEnum):
    COILS = 1
    DISCRETE_INPUTS = 2
    HOLDING_REGISTERS = 3
    INPUT_REGISTERS = 4

    @property
    def is_bits(self) -> bool:
        return self in {FunctionCode.COILS, FunctionCode.DISCRETE_INPUTS}


class DataType(StrEnum):
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    STRING = "string"
    BIT = "bit"


class ByteOrder(StrEnum):
    """Byte order of a value's bytes A B C D (A most significant) across its registers."""

    ABCD = "ABCD"  # big endian, high word first (the Modbus norm)
    CDAB = "CDAB"  # word swap
    BADC = "BADC"  # byte swap within each register
    DCBA = "DCBA"  # little endian


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One value of a device: where it sits, how to decode it, and what it measures."""

    key: str
    quantity: Quantity
    address: int
    function_code: FunctionCode = FunctionCode.HOLDING_REGISTERS
    data_type: DataType = DataType.UINT16
    byte_order: ByteOrder = ByteOrder.ABCD
    length: int = 1  # registers, for strings
    bit: int | None = None  # bit within a register, for DataType.BIT read from registers
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""  # the device's unit; "" means the quantity's canonical unit
    valid_min: float | None = None
    valid_max: float | None = None
    fault_codes: frozenset[int] = frozenset()  # raw register patterns (unsigned) meaning "no value"
    states: Mapping[int, str] = field(default_factory=dict)  # raw value → the quantity's state label
    name_zh: str = ""
    name_en: str = ""

    @property
    def count(self) -> int:
        """Registers (or bits) the field occupies."""
        if self.function_code.is_bits:
            return 1
        return REGISTER_COUNT.get(self.data_type, self.length)

    @property
    def end(self) -> int:
        return self.address + self.count


REGISTER_COUNT: dict[DataType, int] = {
    DataType.INT16: 1,
    DataType.UINT16: 1,
    DataType.BIT: 1,
    DataType.INT32: 2,
    DataType.UINT32: 2,
    DataType.FLOAT32: 2,
}


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """A device model: its fields and the limits of what it accepts in one request."""

    id: str
    name: str
    fields: tuple[FieldSpec, ...]
    vendor: str = ""
    description: str = ""
    simulated_map: bool = False  # our own map for the simulator, not a published vendor map
    max_registers_per_request: int = MAX_REGISTERS_PER_REQUEST
    max_bits_per_request: int = MAX_BITS_PER_REQUEST
    max_gap: int = 10  # unused registers a merged read may span to save a request

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)
