"""Pure-Python Modbus register codec: registers ↔ typed values, for every data type and byte order.

Ours rather than pymodbus' converters: those change between minor releases and cannot byte-swap
(BADC/DCBA), and the simulator needs the exact inverse to serve what a device would.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from sensors.profile import REGISTER_COUNT, ByteOrder, DataType

_STRUCT = {
    DataType.INT16: ">h",
    DataType.UINT16: ">H",
    DataType.INT32: ">i",
    DataType.UINT32: ">I",
    DataType.FLOAT32: ">f",
}


class CodecError(ValueError):
    """Registers that do not hold a value of the declared type."""


def _to_wire(data: bytes, order: ByteOrder) -> bytes:
    """Reorder big-endian value bytes (ABCD…) into the order they appear in the registers."""
    if order in {ByteOrder.BADC, ByteOrder.DCBA}:
        data = b"".join(data[i : i + 2][::-1] for i in range(0, len(data), 2))
    if order in {ByteOrder.CDAB, ByteOrder.DCBA}:
        words = [data[i : i + 2] for i in range(0, len(data), 2)]
        data = b"".join(reversed(words))
    return data


# every reordering is its own inverse
_from_wire = _to_wire


def registers_to_bytes(registers: Sequence[int]) -> bytes:
    try:
        return b"".join(r.to_bytes(2, "big") for r in registers)
    except OverflowError as exc:
        raise CodecError(f"register value out of 0..65535 in {list(registers)}") from exc


def bytes_to_registers(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def raw_pattern(registers: Sequence[int], order: ByteOrder) -> int:
    """The value's bytes as one unsigned integer, in ABCD order: what fault codes are compared with."""
    return int.from_bytes(_from_wire(registers_to_bytes(registers), order), "big")


def decode(
    registers: Sequence[int], data_type: DataType, order: ByteOrder = ByteOrder.ABCD, *, bit: int = 0
) -> int | float | str:
    """Decode `registers` (as read, first register first) into a value of `data_type`."""
    expected = REGISTER_COUNT.get(data_type)
    if expected is not None and len(registers) != expected:
        raise CodecError(f"{data_type.value} needs {expected} registers, got {len(registers)}")
    data = registers_to_bytes(registers)  # checks every register is 0..0xFFFF
    if data_type is DataType.BIT:
        return (registers[0] >> _check_bit(bit)) & 1
    data = _from_wire(data, order)
    if data_type is DataType.STRING:
        return data.split(b"\0", 1)[0].decode("ascii", errors="replace").strip()
    value: int | float = struct.unpack(_STRUCT[data_type], data)[0]
    return value


def encode(
    value: int | float | str,
    data_type: DataType,
    order: ByteOrder = ByteOrder.ABCD,
    *,
    length: int = 1,
    bit: int = 0,
) -> list[int]:
    """Encode `value` into registers as a device in `order` would serve it (inverse of `decode`).

    A BIT is served as a register with only bit `bit` set (or none); a STRING as `length` registers,
    NUL-padded. A value the type cannot hold raises CodecError rather than being cut or wrapped.
    """
    if data_type is DataType.BIT:
        return [(1 << _check_bit(bit)) if value else 0]
    if data_type is DataType.STRING:
        try:
            text = str(value).encode("ascii")
        except UnicodeEncodeError as exc:
            raise CodecError(f"{value!r} is not ASCII") from exc
        if len(text) > length * 2:
            raise CodecError(f"{value!r} does not fit {length} registers ({length * 2} bytes)")
        data = text.ljust(length * 2, b"\0")
    else:
        fmt = _STRUCT[data_type]
        try:
            number = float(value) if data_type is DataType.FLOAT32 else round(float(value))
            data = struct.pack(fmt, number)
        except (struct.error, OverflowError, ValueError) as exc:
            raise CodecError(f"{value!r} does not fit {data_type.value}") from exc
    return bytes_to_registers(_to_wire(data, order))


def _check_bit(bit: int) -> int:
    if not 0 <= bit <= 15:
        raise CodecError(f"bit {bit} is not in a 16-bit register (0..15)")
    return bit
