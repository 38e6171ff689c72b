"""decode_field: from a field's raw registers (or bits) to a Reading in the canonical unit, with quality."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from sensors import ByteOrder, DataType, FieldSpec, FunctionCode, Quality, Quantity, Reading, decode_field

TS = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

# the shapes of the shipped profiles (config/profiles/*.yaml), written out so these tests stand alone
TEMPERATURE = FieldSpec(
    "temperature",
    Quantity.TEMPERATURE,
    0x0001,
    data_type=DataType.INT16,
    scale=0.1,
    valid_min=-40,
    valid_max=80,
    fault_codes=frozenset({0x7FFF, 0x8000}),
)
HUMIDITY = FieldSpec(
    "humidity",
    Quantity.HUMIDITY,
    0x0000,
    scale=0.1,
    valid_min=0,
    valid_max=100,
    fault_codes=frozenset({0x7FFF, 0xFFFF}),
)
LUX = FieldSpec(
    "illuminance",
    Quantity.ILLUMINANCE,
    0x0000,
    function_code=FunctionCode.INPUT_REGISTERS,
    data_type=DataType.UINT32,
    valid_min=0,
    valid_max=200000,
    fault_codes=frozenset({0xFFFFFFFF}),
)
LAMP = FieldSpec(
    "lamp_1", Quantity.LAMP_STATE, 0x0010, states={0: "normal", 1: "emergency", 2: "fault", 3: "fault"}
)
PRESSURE = FieldSpec(
    "pressure",
    Quantity.EXTINGUISHER_PRESSURE,
    0x0000,
    function_code=FunctionCode.INPUT_REGISTERS,
    unit="kPa",
    valid_min=0,
    valid_max=2.5,
    fault_codes=frozenset({0xFFFF}),
)


def read(spec: FieldSpec, raw: Sequence[int], **options: Any) -> Reading:
    return decode_field(spec, raw, sensor=f"dev-1.{spec.key}", ts=TS, **options)


def field(quantity: Quantity, **options: Any) -> FieldSpec:
    return FieldSpec(quantity.value, quantity, 0, **options)


def assert_bad(reading: Reading) -> None:
    assert reading.quality is Quality.BAD
    assert reading.value is None
    assert reading.state is None


class TestScaling:
    def test_reading_names_the_sensor_quantity_and_time(self) -> None:
        reading = read(HUMIDITY, [501])
        assert reading == Reading("dev-1.humidity", Quantity.HUMIDITY, 50.1, TS, Quality.GOOD, None)

    def test_scale(self) -> None:
        assert read(HUMIDITY, [0x01F5]).value == 50.1

    def test_offset_after_scale(self) -> None:
        # a sensor that reports (°C + 40) × 10 in an unsigned register
        spec = field(Quantity.TEMPERATURE, scale=0.1, offset=-40)
        assert read(spec, [650]).value == 25.0
        assert read(spec, [0]).value == -40.0

    def test_value_is_rounded_to_six_decimals(self) -> None:
        # 0.1 × 3 = 0.30000000000000004 in binary floating point
        assert read(field(Quantity.HUMIDITY, scale=0.1), [3]).value == 0.3

    def test_scale_applies_to_32_bit_values(self) -> None:
        spec = field(Quantity.ILLUMINANCE, data_type=DataType.UINT32, scale=0.01)
        assert read(spec, [0x0001, 0x86A0]).value == 1000.0

    @pytest.mark.parametrize(
        ("order", "raw"),
        [
            (ByteOrder.ABCD, [0x0001, 0x86A0]),
            (ByteOrder.CDAB, [0x86A0, 0x0001]),
            (ByteOrder.BADC, [0x0100, 0xA086]),
            (ByteOrder.DCBA, [0xA086, 0x0100]),
        ],
        ids=["ABCD", "CDAB", "BADC", "DCBA"],
    )
    def test_byte_order_of_the_field(self, order: ByteOrder, raw: list[int]) -> None:
        spec = field(Quantity.ILLUMINANCE, data_type=DataType.UINT32, byte_order=order)
        assert read(spec, raw).value == 100000.0

    def test_float32(self) -> None:
        spec = field(Quantity.TEMPERATURE, data_type=DataType.FLOAT32)
        assert read(spec, [0xC020, 0x0000]).value == -2.5  # 0xC0200000


class TestSignedTemperature:
    @pytest.mark.parametrize(
        ("raw", "celsius"),
        [(0x00FD, 25.3), (0x0000, 0.0), (0xFFCB, -5.3), (0xFFFF, -0.1), (0xFE70, -40.0), (0x0320, 80.0)],
        ids=["25.3", "0", "-5.3", "-0.1", "-40", "80"],
    )
    def test_twos_complement(self, raw: int, celsius: float) -> None:
        reading = read(TEMPERATURE, [raw])
        assert reading.value == celsius
        assert reading.quality is Quality.GOOD

    def test_minus_one_tenth_is_not_taken_for_the_0xffff_fault_code(self) -> None:
        # the int16 temperature declares 0x7FFF and 0x8000 only: 0xFFFF is −0.1 °C, a real value
        assert read(TEMPERATURE, [0xFFFF]).quality is Quality.GOOD


class TestFaultCodes:
    @pytest.mark.parametrize("raw", [0x7FFF, 0x8000], ids=["0x7FFF", "0x8000"])
    def test_int16_fault_codes(self, raw: int) -> None:
        assert_bad(read(TEMPERATURE, [raw]))

    @pytest.mark.parametrize("raw", [0x7FFF, 0xFFFF], ids=["0x7FFF", "0xFFFF"])
    def test_uint16_fault_codes(self, raw: int) -> None:
        assert_bad(read(HUMIDITY, [raw]))

    def test_32_bit_fault_code(self) -> None:
        assert_bad(read(LUX, [0xFFFF, 0xFFFF]))

    def test_one_below_the_32_bit_fault_code_is_a_value_out_of_range(self) -> None:
        reading = read(LUX, [0xFFFF, 0xFFFE])
        assert reading.quality is Quality.OUT_OF_RANGE
        assert reading.value == 0xFFFFFFFE

    def test_fault_codes_are_matched_after_undoing_the_byte_order(self) -> None:
        # the fault code is the value's pattern (ABCD), whatever order the device sends it in
        swapped = field(
            Quantity.TEMPERATURE,
            data_type=DataType.INT16,
            byte_order=ByteOrder.BADC,
            fault_codes=frozenset({0x7FFF}),
        )
        assert_bad(read(swapped, [0xFF7F]))
        assert read(swapped, [0x7FFF]).value == -129  # bytes 7F FF swapped: 0xFF7F = −129

    def test_fault_code_of_a_32_bit_word_swapped_value(self) -> None:
        spec = field(
            Quantity.ILLUMINANCE,
            data_type=DataType.UINT32,
            byte_order=ByteOrder.CDAB,
            fault_codes=frozenset({0x7FFFFFFF}),
        )
        assert_bad(read(spec, [0xFFFF, 0x7FFF]))
        assert read(spec, [0x7FFF, 0xFFFF]).value == 0xFFFF7FFF

    def test_kpa_fault_code(self) -> None:
        assert_bad(read(PRESSURE, [0xFFFF]))

    def test_no_fault_codes_declared(self) -> None:
        assert read(field(Quantity.HUMIDITY), [0xFFFF]).value == 65535.0


class TestValidRange:
    def test_above_the_range_keeps_the_value(self) -> None:
        reading = read(HUMIDITY, [1200])
        assert reading.quality is Quality.OUT_OF_RANGE
        assert reading.value == 120.0

    def test_below_the_range_keeps_the_value(self) -> None:
        reading = read(TEMPERATURE, [0xFE3E])  # −450 → −45.0 °C
        assert reading.quality is Quality.OUT_OF_RANGE
        assert reading.value == -45.0

    @pytest.mark.parametrize(("raw", "value"), [(0, 0.0), (1000, 100.0)], ids=["min", "max"])
    def test_bounds_are_inclusive(self, raw: int, value: float) -> None:
        reading = read(HUMIDITY, [raw])
        assert reading.quality is Quality.GOOD
        assert reading.value == value

    def test_range_is_in_the_canonical_unit(self) -> None:
        # kPa in, MPa out: the profile's valid [0, 2.5] is MPa
        assert read(PRESSURE, [2500]).quality is Quality.GOOD
        out = read(PRESSURE, [2600])
        assert out.quality is Quality.OUT_OF_RANGE
        assert out.value == 2.6

    def test_only_one_bound(self) -> None:
        spec = field(Quantity.CO2, valid_min=300)
        assert read(spec, [200]).quality is Quality.OUT_OF_RANGE
        assert read(spec, [60000]).quality is Quality.GOOD


class TestStates:
    @pytest.mark.parametrize(
        ("raw", "label", "index"),
        [(0, "normal", 0.0), (1, "emergency", 1.0), (2, "fault", 2.0), (3, "fault", 2.0)],
        ids=["normal", "emergency", "fault", "comm-lost-as-fault"],
    )
    def test_explicit_map(self, raw: int, label: str, index: float) -> None:
        reading = read(LAMP, [raw])
        assert reading.quality is Quality.GOOD
        assert reading.state == label
        # the value is the label's place in the quantity's states, the same on every device
        assert reading.value == index
        assert Quantity.LAMP_STATE.info.states[int(index)] == label

    def test_explicit_map_in_another_order(self) -> None:
        # a device that says 0 = off, 1 = on: the value is still the index in ("on", "off")
        spec = field(Quantity.MAIN_POWER, states={0: "off", 1: "on"})
        off = read(spec, [0])
        assert (off.state, off.value) == ("off", 1.0)
        on = read(spec, [1])
        assert (on.state, on.value) == ("on", 0.0)

    @pytest.mark.parametrize(
        ("raw", "label"), [(0, "closed"), (1, "open"), (2, "fault")], ids=["closed", "open", "fault"]
    )
    def test_default_map_by_index(self, raw: int, label: str) -> None:
        reading = read(field(Quantity.DOOR_STATE), [raw])
        assert reading.state == label
        assert reading.value == float(raw)

    @pytest.mark.parametrize("raw", [4, 0xFFFF], ids=["4", "0xFFFF"])
    def test_unknown_raw_in_an_explicit_map_is_bad(self, raw: int) -> None:
        assert_bad(read(LAMP, [raw]))

    def test_unknown_raw_by_index_is_bad(self) -> None:
        assert_bad(read(field(Quantity.DOOR_STATE), [3]))

    def test_negative_raw_is_bad(self) -> None:
        assert_bad(read(field(Quantity.DOOR_STATE, data_type=DataType.INT16), [0xFFFF]))

    def test_fault_code_before_state(self) -> None:
        spec = field(Quantity.DOOR_STATE, fault_codes=frozenset({0xFFFF}))
        assert_bad(read(spec, [0xFFFF]))

    def test_scale_does_not_apply_to_states(self) -> None:
        spec = field(Quantity.DOOR_STATE, scale=0.1)
        assert read(spec, [1]).state == "open"


class TestUnitConversion:
    def test_ug_m3_to_mg_m3(self) -> None:
        spec = field(Quantity.HCHO, unit="ug/m3", valid_min=0, valid_max=5)
        reading = read(spec, [80])
        assert reading.value == 0.08
        assert reading.quality is Quality.GOOD

    def test_tvoc_ug_m3_to_mg_m3(self) -> None:
        assert read(field(Quantity.TVOC, unit="ug/m3"), [600]).value == 0.6

    def test_ppb_hcho_to_mg_m3(self) -> None:
        # standards.md §7.5: 0.08 mg/m³ HCHO = 59.7 ppb at 22.414 L/mol
        spec = field(Quantity.HCHO, unit="ppb", scale=0.1)
        reading = read(spec, [597])
        assert reading.value == pytest.approx(0.08, abs=1e-4)
        assert reading.value == round(59.7e-3 * 30.03 / 22.414, 6)

    def test_ppb_uses_the_site_molar_volume(self) -> None:
        # … = 65.2 ppb at 24.465 L/mol (25 °C)
        spec = field(Quantity.HCHO, unit="ppb", scale=0.1)
        at_25 = read(spec, [652], molar_volume=24.465)
        assert at_25.value == pytest.approx(0.08, abs=1e-4)
        at_0 = read(spec, [652])
        assert at_0.value is not None
        assert at_25.value is not None
        assert at_0.value > at_25.value  # 22.414 is the conservative default

    def test_kpa_to_mpa(self) -> None:
        reading = read(PRESSURE, [1300])
        assert reading.value == 1.3
        assert reading.quality is Quality.GOOD

    def test_percent_co2_to_ppm(self) -> None:
        assert read(field(Quantity.CO2, unit="%", scale=0.01), [10]).value == 1000.0

    def test_scale_and_offset_apply_in_the_device_unit(self) -> None:
        # raw 130 × 10 kPa = 1300 kPa → 1.3 MPa
        assert read(field(Quantity.EXTINGUISHER_PRESSURE, unit="kPa", scale=10), [130]).value == 1.3

    def test_canonical_unit_is_unchanged(self) -> None:
        assert read(field(Quantity.CO2, unit="ppm"), [812]).value == 812.0


class TestBadFloats:
    @pytest.mark.parametrize(
        "raw",
        [[0x7FC0, 0x0000], [0xFFC0, 0x0000], [0x7F80, 0x0000], [0xFF80, 0x0000]],
        ids=["nan", "-nan", "inf", "-inf"],
    )
    def test_non_finite_float32_is_bad(self, raw: list[int]) -> None:
        assert_bad(read(field(Quantity.TEMPERATURE, data_type=DataType.FLOAT32), raw))

    def test_nan_on_a_state_quantity_is_bad(self) -> None:
        assert_bad(read(field(Quantity.DOOR_STATE, data_type=DataType.FLOAT32), [0x7FC0, 0x0000]))


class TestBits:
    @pytest.mark.parametrize(
        ("raw", "label", "index"),
        [([True], "blocked", 1.0), ([False], "clear", 0.0), ([1], "blocked", 1.0), ([0], "clear", 0.0)],
        ids=["true", "false", "1", "0"],
    )
    def test_discrete_input_fc02(self, raw: list[int], label: str, index: float) -> None:
        spec = field(Quantity.EXIT_BLOCKED, function_code=FunctionCode.DISCRETE_INPUTS)
        reading = read(spec, raw)
        assert (reading.state, reading.value, reading.quality) == (label, index, Quality.GOOD)

    def test_coil_fc01(self) -> None:
        spec = field(Quantity.MAIN_POWER, function_code=FunctionCode.COILS, states={0: "on", 1: "off"})
        assert read(spec, [True]).state == "off"

    @pytest.mark.parametrize(
        ("register", "label"),
        [(0b0100, "fault"), (0b1011, "ok"), (0xFFFF, "fault"), (0x0000, "ok")],
        ids=["only-bit-2", "all-but-bit-2", "all", "none"],
    )
    def test_bit_within_a_register(self, register: int, label: str) -> None:
        # a status word whose bit 2 is the battery fault flag
        spec = field(Quantity.BATTERY_STATE, data_type=DataType.BIT, bit=2)
        assert read(spec, [register]).state == label

    def test_bit_15(self) -> None:
        spec = field(Quantity.EXIT_BLOCKED, data_type=DataType.BIT, bit=15)
        assert read(spec, [0x8000]).state == "blocked"
        assert read(spec, [0x7FFF]).state == "clear"

    def test_no_bit_returned_is_bad(self) -> None:
        assert_bad(read(field(Quantity.EXIT_BLOCKED, function_code=FunctionCode.DISCRETE_INPUTS), []))


class TestNeverRaisesForDeviceData:
    @pytest.mark.parametrize(
        ("spec", "raw"),
        [
            (LUX, [0x0001]),
            (TEMPERATURE, [0x0001, 0x0002]),
            (TEMPERATURE, []),
            (HUMIDITY, [0x10000]),
            (field(Quantity.DOOR_STATE, data_type=DataType.BIT, bit=3), [-1]),
        ],
        ids=["too-few", "too-many", "none", "over-16-bits", "negative-bit-register"],
    )
    def test_undecodable_registers_are_bad(self, spec: FieldSpec, raw: list[int]) -> None:
        assert_bad(read(spec, raw))

    def test_strings_are_not_measurements(self) -> None:
        spec = field(Quantity.TEMPERATURE, data_type=DataType.STRING, length=2)
        assert_bad(read(spec, [0x3235, 0x2E33]))  # "25.3"


@pytest.mark.parametrize(
    ("states", "raw", "label"),
    [({0: "clear", 1: "blocked"}, 1, "blocked"), ({5: "blocked", 6: "clear"}, 5, "blocked")],
    ids=["0-1", "5-6"],
)
def test_explicit_maps_with_any_raw_values(states: Mapping[int, str], raw: int, label: str) -> None:
    assert read(field(Quantity.EXIT_BLOCKED, states=states), [raw]).state == label


def test_a_reading_needs_an_aware_timestamp() -> None:
    """A naive time would be guessed differently by each consumer: refused where it is made."""
    with pytest.raises(ValueError, match="has no timezone"):
        Reading("aq-1.co2", Quantity.CO2, 800.0, datetime(2026, 11, 30, 10, 0))
