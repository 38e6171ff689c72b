"""Decoding run backwards, on its edges: fault answers, saturation, a state map without the usual label."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from collectors.simulator.registers import fault_registers, measurement_registers, raw_number, resting_state
from sensors import ByteOrder, DataType, FieldSpec, Quality, Quantity, decode, decode_field


def test_fault_answers_are_what_the_collector_calls_no_value() -> None:
    plain = FieldSpec("t", Quantity.TEMPERATURE, 0, data_type=DataType.INT16)
    own = FieldSpec(
        "lux", Quantity.ILLUMINANCE, 0, data_type=DataType.UINT32, fault_codes=frozenset({0xFFFFFFFF})
    )
    wide = FieldSpec("pm", Quantity.PM2_5, 0, data_type=DataType.FLOAT32, byte_order=ByteOrder.CDAB)
    assert fault_registers(plain) == [0x7FFF]
    assert fault_registers(own) == [0xFFFF, 0xFFFF]
    assert math.isnan(float(decode(fault_registers(wide), DataType.FLOAT32, ByteOrder.CDAB)))
    ts = datetime.now(UTC)
    assert decode_field(own, fault_registers(own), sensor="lux", ts=ts).quality is Quality.BAD
    assert decode_field(wide, fault_registers(wide), sensor="pm", ts=ts).quality is Quality.BAD


def test_an_integer_register_saturates_as_a_transmitter_does() -> None:
    unsigned = FieldSpec("t", Quantity.TEMPERATURE, 0, scale=0.1)
    assert raw_number(unsigned, -5.0, 22.414) == 0
    assert raw_number(unsigned, 1e6, 22.414) == 0xFFFF
    signed = FieldSpec("t", Quantity.TEMPERATURE, 0, data_type=DataType.INT16, scale=0.1)
    registers, value = measurement_registers(signed, raw_number(signed, -5.34, 22.414), 22.414)
    assert (registers, value) == ([0xFFCB], -5.3)


def test_a_state_field_without_the_normal_label_rests_on_its_lowest_code() -> None:
    lamp = FieldSpec("lamp", Quantity.LAMP_STATE, 0, states={2: "fault", 1: "emergency"})
    assert resting_state(lamp) == "emergency"
    assert resting_state(FieldSpec("door", Quantity.DOOR_STATE, 0)) == "closed"
