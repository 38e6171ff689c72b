"""Golden vectors for the register codec: every data type in every byte order, both directions.

The registers are written out by hand, not produced by `struct` or by the codec itself. Byte order
names the order in which the value's bytes A B C D (A most significant) appear across the registers,
each register shown as the device sends it (high byte first):

    ABCD  [AB, CD]   big endian, the Modbus norm
    CDAB  [CD, AB]   word swap
    BADC  [BA, DC]   byte swap within each register
    DCBA  [DC, BA]   little endian

A one-register value has bytes A B only: CDAB leaves it as it is, BADC and DCBA swap its two bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from sensors import ByteOrder, CodecError, DataType, decode, encode, raw_pattern

ABCD, CDAB, BADC, DCBA = ByteOrder.ABCD, ByteOrder.CDAB, ByteOrder.BADC, ByteOrder.DCBA

# float32 123.456 = 0x42F6E979: sign 0, exponent 0x85 = 133 → 2^6, mantissa 0x76E979.
# The float32 nearest to 123.456 is therefore exactly (1 + 0x76E979 / 2^23) · 2^6.
F32_123_456 = (1 + 0x76E979 / 2**23) * 2**6


@dataclass(frozen=True)
class Vector:
    data_type: DataType
    order: ByteOrder
    value: int | float | str
    registers: list[int]
    options: dict[str, int] = field(default_factory=dict)  # length= for strings, bit= for bits
    note: str = ""

    @property
    def id(self) -> str:
        shown = repr(self.value) if isinstance(self.value, str) else f"{self.value:g}"
        extra = "".join(f"-{k}{v}" for k, v in self.options.items())
        return f"{self.data_type.value}-{self.order.value}-{shown}{extra}" + (
            f"-{self.note}" if self.note else ""
        )


def _all_orders(
    data_type: DataType, value: int | float | str, *registers: list[int], **options: int
) -> list[Vector]:
    """Four vectors from the registers in ABCD, CDAB, BADC and DCBA order."""
    assert len(registers) == 4
    return [
        Vector(data_type, order, value, regs, options)
        for order, regs in zip((ABCD, CDAB, BADC, DCBA), registers, strict=True)
    ]


I16, U16, I32, U32, F32, STR, BIT = (
    DataType.INT16,
    DataType.UINT16,
    DataType.INT32,
    DataType.UINT32,
    DataType.FLOAT32,
    DataType.STRING,
    DataType.BIT,
)

GOLDEN: list[Vector] = [
    # int16: −5.3 °C ×10 = −53 = 65536 − 53 = 0xFFCB (two's complement)
    *_all_orders(I16, -53, [0xFFCB], [0xFFCB], [0xCBFF], [0xCBFF]),
    # int16: 25.3 °C ×10 = 253 = 0x00FD
    *_all_orders(I16, 253, [0x00FD], [0x00FD], [0xFD00], [0xFD00]),
    # int16 extremes: 32767 = 0x7FFF, −32768 = 0x8000
    *_all_orders(I16, 32767, [0x7FFF], [0x7FFF], [0xFF7F], [0xFF7F]),
    *_all_orders(I16, -32768, [0x8000], [0x8000], [0x0080], [0x0080]),
    # uint16: 50.1 %RH ×10 = 501 = 0x01F5
    *_all_orders(U16, 501, [0x01F5], [0x01F5], [0xF501], [0xF501]),
    # uint16: 65535 = 0xFFFF (the largest; as int16 it would be −1)
    *_all_orders(U16, 65535, [0xFFFF], [0xFFFF], [0xFFFF], [0xFFFF]),
    # int32: −2 = 0xFFFFFFFE
    *_all_orders(I32, -2, [0xFFFF, 0xFFFE], [0xFFFE, 0xFFFF], [0xFFFF, 0xFEFF], [0xFEFF, 0xFFFF]),
    # int32: −123456789; 123456789 = 0x075BCD15, so −123456789 = ~0x075BCD15 + 1 = 0xF8A432EB
    *_all_orders(I32, -123456789, [0xF8A4, 0x32EB], [0x32EB, 0xF8A4], [0xA4F8, 0xEB32], [0xEB32, 0xA4F8]),
    # int32: 70000 = 0x00011170 (does not fit 16 bits)
    *_all_orders(I32, 70000, [0x0001, 0x1170], [0x1170, 0x0001], [0x0100, 0x7011], [0x7011, 0x0100]),
    # uint32: 100000 lx = 65536 + 34464 = 0x0001_86A0
    *_all_orders(U32, 100000, [0x0001, 0x86A0], [0x86A0, 0x0001], [0x0100, 0xA086], [0xA086, 0x0100]),
    # uint32: 3000000000 = 0xB2D05E00 (above the int32 range)
    *_all_orders(U32, 3000000000, [0xB2D0, 0x5E00], [0x5E00, 0xB2D0], [0xD0B2, 0x005E], [0x005E, 0xD0B2]),
    # float32: 123.456 → 0x42F6E979 (decodes to the nearest float32, F32_123_456)
    *_all_orders(F32, F32_123_456, [0x42F6, 0xE979], [0xE979, 0x42F6], [0xF642, 0x79E9], [0x79E9, 0xF642]),
    # float32: −2.5 = −1.25 · 2^1: sign 1, exponent 128 = 0x80, mantissa 0x200000 → 0xC0200000
    *_all_orders(F32, -2.5, [0xC020, 0x0000], [0x0000, 0xC020], [0x20C0, 0x0000], [0x0000, 0x20C0]),
    # float32: 1.0 = 0x3F800000
    *_all_orders(F32, 1.0, [0x3F80, 0x0000], [0x0000, 0x3F80], [0x803F, 0x0000], [0x0000, 0x803F]),
    # string, odd length: "ABC" = 41 42 43 + NUL pad = 41 42 43 00 in 2 registers
    *_all_orders(
        STR, "ABC", [0x4142, 0x4300], [0x4300, 0x4142], [0x4241, 0x0043], [0x0043, 0x4241], length=2
    ),
    # string of even length filling its register exactly: "RS" = 52 53
    *_all_orders(STR, "RS", [0x5253], [0x5253], [0x5352], [0x5352], length=1),
    # string padded with whole NUL registers: "AB" in 3 registers = 41 42 00 00 00 00
    Vector(STR, ABCD, "AB", [0x4142, 0x0000, 0x0000], {"length": 3}),
    Vector(STR, BADC, "AB", [0x4241, 0x0000, 0x0000], {"length": 3}),
    # a 9-character model name in 5 registers: R S - W S - N 0 1 NUL
    Vector(STR, ABCD, "RS-WS-N01", [0x5253, 0x2D57, 0x532D, 0x4E30, 0x3100], {"length": 5}),
    Vector(STR, BADC, "RS-WS-N01", [0x5352, 0x572D, 0x2D53, 0x304E, 0x0031], {"length": 5}),
    # empty string: all NUL
    Vector(STR, ABCD, "", [0x0000], {"length": 1}, note="empty"),
    # bit n of a register: the register's value (as read) has 2^n set; byte order does not apply
    *_all_orders(BIT, 1, [0x0008], [0x0008], [0x0008], [0x0008], bit=3),
    *_all_orders(BIT, 0, [0x0000], [0x0000], [0x0000], [0x0000], bit=3),
    *_all_orders(BIT, 1, [0x8000], [0x8000], [0x8000], [0x8000], bit=15),
    *_all_orders(BIT, 1, [0x0001], [0x0001], [0x0001], [0x0001], bit=0),
]


def test_golden_table_covers_every_type_and_order() -> None:
    covered = {(v.data_type, v.order) for v in GOLDEN}
    assert covered == {(t, o) for t in DataType for o in ByteOrder}


@pytest.mark.parametrize("vector", GOLDEN, ids=lambda v: v.id)
def test_decode_golden(vector: Vector) -> None:
    assert decode(vector.registers, vector.data_type, vector.order, **_decode_options(vector)) == vector.value


@pytest.mark.parametrize("vector", GOLDEN, ids=lambda v: v.id)
def test_encode_golden(vector: Vector) -> None:
    assert encode(vector.value, vector.data_type, vector.order, **vector.options) == vector.registers


def _decode_options(vector: Vector) -> dict[str, int]:
    """decode takes no length (the register count is the length), only the bit."""
    return {k: v for k, v in vector.options.items() if k == "bit"}


@pytest.mark.parametrize(
    ("order", "registers"),
    [
        (ABCD, [0x42F6, 0xE979]),
        (CDAB, [0xE979, 0x42F6]),
        (BADC, [0xF642, 0x79E9]),
        (DCBA, [0x79E9, 0xF642]),
    ],
    ids=["ABCD", "CDAB", "BADC", "DCBA"],
)
def test_float32_123_456_rounds_to_the_nearest_float32(order: ByteOrder, registers: list[int]) -> None:
    assert encode(123.456, F32, order) == registers
    decoded = decode(registers, F32, order)
    assert isinstance(decoded, float)
    assert decoded == pytest.approx(123.456, rel=1e-7)


def test_types_of_decoded_values() -> None:
    assert type(decode([0xFFCB], I16)) is int
    assert type(decode([0x0001, 0x86A0], U32)) is int
    assert type(decode([0x3F80, 0x0000], F32)) is float
    assert type(decode([0x4142], STR)) is str
    assert type(decode([0x0008], BIT, bit=3)) is int


class TestStrings:
    def test_text_after_the_first_nul_is_ignored(self) -> None:
        assert decode([0x4100, 0x4242], STR) == "A"

    def test_surrounding_spaces_are_stripped(self) -> None:
        # " AB " padded with spaces (0x20), as some devices do instead of NUL
        assert decode([0x2041, 0x4220], STR) == "AB"

    def test_non_ascii_bytes_do_not_raise(self) -> None:
        decoded = decode([0x41FF], STR)
        assert isinstance(decoded, str)
        assert decoded.startswith("A")

    def test_decode_takes_any_number_of_registers(self) -> None:
        assert decode([], STR) == ""
        assert decode([0x4142] * 8, STR) == "AB" * 8


class TestBits:
    @pytest.mark.parametrize("bit", range(16))
    def test_each_bit_of_a_register(self, bit: int) -> None:
        register = 1 << bit
        assert decode([register], BIT, bit=bit) == 1
        assert decode([0xFFFF ^ register], BIT, bit=bit) == 0
        assert encode(1, BIT, bit=bit) == [register]
        assert encode(0, BIT, bit=bit) == [0]

    def test_other_bits_do_not_matter(self) -> None:
        assert decode([0b1010_0101], BIT, bit=0) == 1
        assert decode([0b1010_0101], BIT, bit=1) == 0
        assert decode([0b1010_0101], BIT, bit=7) == 1

    def test_true_and_false_encode_as_set_and_clear(self) -> None:
        assert encode(True, BIT, bit=2) == [0x0004]
        assert encode(False, BIT, bit=2) == [0x0000]


class TestEncodeNumbers:
    def test_integers_are_rounded(self) -> None:
        # a simulator serves scaled values: −5.3 °C / 0.1 → −53
        assert encode(-5.3 * 10, I16) == [0xFFCB]
        assert encode(253.4, I16) == [0x00FD]
        assert encode(253.6, U16) == [0x00FE]

    @pytest.mark.parametrize(
        ("value", "data_type", "registers"),
        [
            (-32768, I16, [0x8000]),
            (32767, I16, [0x7FFF]),
            (0, U16, [0x0000]),
            (65535, U16, [0xFFFF]),
            (-(2**31), I32, [0x8000, 0x0000]),
            (2**31 - 1, I32, [0x7FFF, 0xFFFF]),
            (2**32 - 1, U32, [0xFFFF, 0xFFFF]),
        ],
        ids=["int16-min", "int16-max", "uint16-min", "uint16-max", "int32-min", "int32-max", "uint32-max"],
    )
    def test_limits_fit(self, value: int, data_type: DataType, registers: list[int]) -> None:
        assert encode(value, data_type) == registers
        assert decode(registers, data_type) == value

    def test_nan_float32_round_trips_as_nan(self) -> None:
        registers = encode(math.nan, F32)
        assert registers[0] & 0x7F80 == 0x7F80  # exponent all ones
        decoded = decode(registers, F32)
        assert isinstance(decoded, float)
        assert math.isnan(decoded)


def test_raw_pattern_is_the_value_bytes_in_abcd_order() -> None:
    assert raw_pattern([0xFFFE, 0xFFFF], CDAB) == 0xFFFFFFFE
    assert raw_pattern([0xFFFF, 0xFEFF], BADC) == 0xFFFFFFFE
    assert raw_pattern([0xCBFF], DCBA) == 0xFFCB
    assert raw_pattern([0x7FFF], ABCD) == 0x7FFF
    assert raw_pattern([0x0001, 0x86A0], ABCD) == 100000


class TestErrors:
    @pytest.mark.parametrize(
        ("registers", "data_type"),
        [
            ([], U16),
            ([0x0001, 0x0002], I16),
            ([0x0001], I32),
            ([0x0001, 0x0002, 0x0003], U32),
            ([0x3F80], F32),
            ([0x0001, 0x0002], BIT),
        ],
        ids=["uint16-0", "int16-2", "int32-1", "uint32-3", "float32-1", "bit-2"],
    )
    def test_wrong_register_count(self, registers: list[int], data_type: DataType) -> None:
        with pytest.raises(CodecError, match="registers"):
            decode(registers, data_type)

    @pytest.mark.parametrize(
        ("value", "data_type"),
        [
            (70000, I16),
            (32768, I16),
            (-32769, I16),
            (-1, U16),
            (65536, U16),
            (2**31, I32),
            (-1, U32),
            (2**32, U32),
            (1e39, F32),
        ],
        ids=[
            "int16-70000",
            "int16-32768",
            "int16--32769",
            "uint16--1",
            "uint16-65536",
            "int32-2^31",
            "uint32--1",
            "uint32-2^32",
            "float32-1e39",
        ],
    )
    def test_value_that_does_not_fit(self, value: float, data_type: DataType) -> None:
        with pytest.raises(CodecError, match="does not fit"):
            encode(value, data_type)

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
    def test_non_finite_into_an_integer(self, value: float) -> None:
        with pytest.raises(CodecError):
            encode(value, I16)

    def test_text_into_a_number(self) -> None:
        with pytest.raises(CodecError):
            encode("twelve", U16)

    def test_string_longer_than_its_registers(self) -> None:
        with pytest.raises(CodecError, match="does not fit"):
            encode("ABCDE", STR, length=2)

    def test_non_ascii_string(self) -> None:
        with pytest.raises(CodecError, match="ASCII"):
            encode("温度", STR, length=4)

    @pytest.mark.parametrize(
        ("registers", "data_type"),
        [
            ([0x10000], U16),
            ([0x10000], I16),
            ([0x0001, 0x10000], I32),
            ([0x10000, 0x0000], F32),
            ([-1], U16),
            ([0x10000], STR),
            ([0x10000], BIT),
            ([-1], BIT),
        ],
        ids=["uint16", "int16", "int32", "float32", "uint16-negative", "string", "bit", "bit-negative"],
    )
    def test_register_value_out_of_16_bits(self, registers: list[int], data_type: DataType) -> None:
        with pytest.raises(CodecError, match=r"0\.\.65535"):
            decode(registers, data_type)

    @pytest.mark.parametrize("bit", [-1, 16])
    def test_bit_outside_a_register(self, bit: int) -> None:
        with pytest.raises(CodecError, match="bit"):
            decode([0xFFFF], BIT, bit=bit)
        with pytest.raises(CodecError, match="bit"):
            encode(1, BIT, bit=bit)

    def test_codec_error_is_a_value_error(self) -> None:
        assert issubclass(CodecError, ValueError)
