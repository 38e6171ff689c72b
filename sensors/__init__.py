"""The domain floor: quantities, readings, device profiles and their decoding. Imports no other part."""

from sensors.codec import CodecError, decode, encode, raw_pattern
from sensors.decoding import decode_field
from sensors.profile import (
    MAX_BITS_PER_REQUEST,
    MAX_REGISTERS_PER_REQUEST,
    ByteOrder,
    DataType,
    DeviceProfile,
    FieldSpec,
    FunctionCode,
)
from sensors.quantities import QUANTITY_INFO, Quantity, QuantityInfo
from sensors.reading import Quality, Reading
from sensors.units import DEFAULT_MOLAR_VOLUME, UnitError, mg_m3_to_ppm, ppm_to_mg_m3, to_canonical

__all__ = [
    "DEFAULT_MOLAR_VOLUME",
    "MAX_BITS_PER_REQUEST",
    "MAX_REGISTERS_PER_REQUEST",
    "QUANTITY_INFO",
    "ByteOrder",
    "CodecError",
    "DataType",
    "DeviceProfile",
    "FieldSpec",
    "FunctionCode",
    "Quality",
    "Quantity",
    "QuantityInfo",
    "Reading",
    "UnitError",
    "decode",
    "decode_field",
    "encode",
    "mg_m3_to_ppm",
    "ppm_to_mg_m3",
    "raw_pattern",
    "to_canonical",
]
