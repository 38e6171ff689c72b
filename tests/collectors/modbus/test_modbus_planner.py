"""The read planner: merging, gaps, caps, function codes, and the demo site's plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors import StatusBoard
from collectors.modbus import PlanError, ReadRequest, plan_requests
from collectors.modbus.collector import ModbusCollector
from config import ConfigError, load_site
from sensors import DataType, FieldSpec, FunctionCode, Quantity
from storage.stream import ReadingStream
from tests.collectors.modbus.harness import make_site

DEMO = Path(__file__).parents[3] / "config" / "examples" / "demo-site.yaml"
HR, IR, DI = FunctionCode.HOLDING_REGISTERS, FunctionCode.INPUT_REGISTERS, FunctionCode.DISCRETE_INPUTS


def reg(key: str, address: int, data_type: DataType = DataType.UINT16, code: FunctionCode = HR) -> FieldSpec:
    return FieldSpec(key, Quantity.TEMPERATURE, address, function_code=code, data_type=data_type)


def spans(requests: list[ReadRequest]) -> list[tuple[int, int, int]]:
    return [(r.function_code, r.address, r.count) for r in requests]


def test_fills_gaps_up_to_max_gap() -> None:
    fields = [reg("a", 0), reg("b", 4), reg("c", 10)]  # holes of 3 and 5 registers
    assert spans(plan_requests(fields, max_gap=5)) == [(3, 0, 11)]
    assert spans(plan_requests(fields, max_gap=4)) == [(3, 0, 5), (3, 10, 1)]
    assert spans(plan_requests(fields, max_gap=0)) == [(3, 0, 1), (3, 4, 1), (3, 10, 1)]
    adjacent = [reg("a", 0), reg("b", 1), reg("c", 2)]
    assert spans(plan_requests(adjacent, max_gap=0)) == [(3, 0, 3)]


def test_splits_at_the_cap_and_keeps_fields_whole() -> None:
    fields = [reg(f"r{i}", i) for i in range(130)]
    plan = plan_requests(fields, max_gap=10)
    assert spans(plan) == [(3, 0, 125), (3, 125, 5)]
    assert [len(r.fields) for r in plan] == [125, 5]
    # a 32-bit value that would straddle the cap starts the next request instead
    wide = [reg("a", 0), reg("lux", 3, DataType.UINT32), reg("b", 5)]
    assert spans(plan_requests(wide, max_registers=4, max_gap=10)) == [(3, 0, 1), (3, 3, 3)]
    assert spans(plan_requests(wide, max_registers=5, max_gap=10)) == [(3, 0, 5), (3, 5, 1)]


def test_function_codes_are_planned_apart_and_bits_share_registers() -> None:
    fields = [
        reg("lux", 0, DataType.UINT32, IR),
        reg("t", 1),
        reg("exit_2", 1, code=DI),
        reg("exit_1", 0, code=DI),
        FieldSpec("bit3", Quantity.EXIT_BLOCKED, 1, data_type=DataType.BIT, bit=3),
        FieldSpec("bit0", Quantity.EXIT_BLOCKED, 1, data_type=DataType.BIT, bit=0),
    ]
    plan = plan_requests(fields, max_gap=0)
    assert spans(plan) == [(2, 0, 2), (3, 1, 1), (4, 0, 2)]
    assert [f.key for f in plan[0].fields] == ["exit_1", "exit_2"]
    assert {f.key for f in plan[1].fields} == {"t", "bit3", "bit0"}
    assert str(plan[0]) == "FC02 0x0000–0x0001 (2 bits)"
    assert str(plan[1]) == "FC03 0x0001 (1 register)"


def test_each_field_reads_its_own_slice() -> None:
    (request,) = plan_requests([reg("a", 2), reg("lux", 5, DataType.UINT32)], max_gap=10)
    answer = [10, 11, 12, 13, 14]  # registers 2..6
    assert list(request.raw(request.fields[0], answer)) == [10]
    assert list(request.raw(request.fields[1], answer)) == [13, 14]


def test_a_field_larger_than_the_cap_is_a_config_error() -> None:
    with pytest.raises(PlanError, match="'lux' at 0x0003 needs 2 registers, more than the 1"):
        plan_requests([reg("lux", 3, DataType.UINT32)], max_registers=1, max_gap=0)
    with pytest.raises(PlanError, match="past the last address"):
        plan_requests([reg("lux", 0xFFFF, DataType.UINT32)], max_gap=0)
    with pytest.raises(ValueError, match=r"max_registers must be 1\.\.125"):
        plan_requests([reg("a", 0)], max_registers=126, max_gap=0)


def test_demo_site_plan() -> None:
    site = load_site(DEMO)
    plans = ModbusCollector(site, ReadingStream(), StatusBoard()).plans
    counts = {device: len(plan) for device, plan in plans.items()}
    assert counts == {
        **dict.fromkeys(("aq-hall-1", "aq-hall-2", "aq-office-1", "aq-meeting", "aq-print"), 1),
        **dict.fromkeys(("th-office-2", "th-restroom", "th-parking"), 1),
        **dict.fromkeys(("lux-hall-1", "lux-hall-2", "lux-hall-3", "lux-office-1", "lux-corridor"), 1),
        "em-ctrl": 1,  # status and self-test block 0x0000–0x0005, lamp block 0x0010–0x001F: 10 apart, merged
        "door-mon": 2,  # holding registers and discrete inputs
        **dict.fromkeys(("ext-hall", "ext-corridor", "ext-parking"), 1),
        **dict.fromkeys(("nh3-restroom", "co-parking"), 1),
    }
    assert sum(counts.values()) == 21
    assert [str(r) for r in plans["aq-hall-1"]] == ["FC03 0x0000–0x0008 (9 registers)"]
    # lamp_8 is disabled: its register is read (it lies inside the block) but it yields no field
    assert [str(r) for r in plans["em-ctrl"]] == ["FC03 0x0000–0x001F (32 registers)"]
    lamp_keys = {f.key for f in plans["em-ctrl"][0].fields}
    assert "lamp_8" not in lamp_keys
    assert "lamp_8_battery" in lamp_keys


def test_an_unplannable_profile_is_refused_at_load_naming_its_line(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "tiny.yaml").write_text(
        "id: tiny\nname: tiny\nmax_registers_per_request: 1\n"
        "fields:\n  - {key: lux, quantity: illuminance, address: 0, data_type: uint32}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"tiny\.yaml:5: fields\[0\]: .*'lux' spans 2 registers, more than"):
        make_site(
            tmp_path,
            [{"id": "gw", "transport": "tcp", "host": "127.0.0.1", "port": 1502}],
            [{"id": "lux-1", "bus": "gw", "address": 1, "profile": "tiny"}],
            profile_dirs=["profiles"],
        )
