"""The plan file: the shipped template against the demo site, its selectors resolved to the right
sensors and alert bindings, and a bad plan refused with every problem at its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from alerts import build_engine
from config import ConfigError, load_site
from config.catalog import build_catalog
from safety import load_plan, select_bindings, select_sensors
from safety.plan import Plan, Selector
from tests.helpers import write_site

DEMO = Path(__file__).resolve().parents[2] / "config" / "examples" / "demo-site.yaml"


@pytest.fixture(scope="module")
def demo() -> tuple[Plan, list[str], dict[str, list[str]]]:
    """The template on the demo site: the plan, the rule bindings' keys, each live check's sensors."""
    site = load_site(DEMO)
    catalog = build_catalog(site)
    plan = load_plan(site)
    bindings = list(build_engine(site, catalog).bindings.values())
    resolved: dict[str, list[str]] = {}
    for section in plan.sections:
        for item in section.items:
            for k, check in enumerate(item.live):
                if check.select.rule is None:
                    found = [s.id for s in select_sensors(site, catalog, check.select)]
                else:
                    found = [b.key for b in select_bindings(site, catalog, bindings, check.select)]
                resolved[f"{item.id}[{k}]"] = found
    return plan, [b.key for b in bindings], resolved


def test_the_template_covers_the_four_kinds_of_event(
    demo: tuple[Plan, list[str], dict[str, list[str]]],
) -> None:
    plan, _, _ = demo
    assert [s.id for s in plan.sections] == ["fire", "power-cut", "air-quality", "crowd-medical"]
    assert all(s.roles and s.steps and s.items for s in plan.sections)
    assert {t.id for t in plan.inspections} >= {"patrol-daily", "patrol-weekly", "extinguishers", "em-function-test",
                                                "em-discharge-test", "fire-facility-inspection"}  # fmt: skip


@pytest.mark.parametrize(
    ("check", "sensors"),
    [
        # the east stairwell's fire door and exit beam, points of the door monitor placed there
        ("stair-e-clear[0]", ["door-mon.door_1"]),
        ("stair-e-clear[1]", ["door-mon.exit_1"]),
        # the west stairwell also has a Zigbee door contact over MQTT
        ("stair-w-clear[0]", ["door-mon.door_2", "zb-door-stair-w.contact"]),
        ("ground-exits-clear[0]", ["door-mon.exit_3", "door-mon.exit_4", "zb-exit-corridor.occupancy"]),
        # lamps on evacuation routes (stairs and corridor), not the hall's or the parking's
        ("evacuation-lamps[0]", [f"em-ctrl.lamp_{n}" for n in range(1, 6)]),
        ("evacuation-lamps[1]", [f"em-ctrl.lamp_{n}_battery" for n in range(1, 6)]),
        ("central-battery[0]", ["em-ctrl.battery"]),
    ],
)
def test_sensor_selectors_resolve_to_the_right_points(
    demo: tuple[Plan, list[str], dict[str, list[str]]], check: str, sensors: list[str]
) -> None:
    assert demo[2][check] == sensors


def test_rule_selectors_resolve_to_the_alert_engine_bindings(
    demo: tuple[Plan, list[str], dict[str, list[str]]],
) -> None:
    _, keys, resolved = demo
    assert resolved["hall-co2[0]"] == [
        "gb-t-18883-2022/co2-1h@aq-hall-1.co2",
        "gb-t-18883-2022/co2-1h@aq-hall-2.co2",
    ]
    pressure = "gb-50444-2008/extinguisher-pressure"
    assert resolved["extinguishers[0]"] == [
        f"{pressure}@ext-{z}.pressure" for z in ("hall", "corridor", "parking")
    ]
    assert all(k in keys for ks in resolved.values() for k in ks if "@" in k)


def test_selector_narrowing_by_floor_kind_and_pattern(tmp_path: Path) -> None:
    site = load_site(DEMO)
    catalog = build_catalog(site)

    def ids(**select: object) -> list[str]:
        return [s.id for s in select_sensors(site, catalog, Selector.model_validate(select))]

    assert ids(underground=True, quantity="lamp_state") == ["em-ctrl.lamp_7", "em-gw-parking.lamp"]
    assert ids(room_kinds=["stairwell"], quantity="exit_blocked") == ["door-mon.exit_1", "door-mon.exit_2"]
    assert ids(
        devices=["em-ctrl"], sensors=["*_test_age"], quantity=["function_test_age", "discharge_test_age"]
    ) == [
        "em-ctrl.function_test_age",
        "em-ctrl.discharge_test_age",
    ]
    assert ids(zones=["office-1"], quantity="door_state") == []  # nothing there: the item shows unknown


BAD_PLAN = """
name: 坏预案
sections:
  - id: fire
    name: 火灾 / Fire
    roles: [{id: lead, name: 指挥 / Lead}]
    steps:
      - {id: alarm, role: boss, text: 报警 / Alarm}
    items:
      - id: doors
        text: 门 / Doors
        live:
          - {select: {zones: [stair-x], quantity: door_state}, expect: {states: [closed]}}
          - {select: {rule: gb-t-18883-2022/co2-2h}}
      - id: doors
        text: 又一个 / Again
inspections:
  - {id: check, name: 检查 / Check, every: month, zones: [attic]}
"""


def test_a_bad_plan_names_every_reference_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(textwrap.dedent(BAD_PLAN).lstrip(), encoding="utf-8")
    site = load_site(_site_with_plan(tmp_path))
    with pytest.raises(ConfigError) as caught:
        load_plan(site)
    found = {(i.line, i.message.split(" / ")[0]) for i in caught.value.issues}
    assert found == {
        (7, "未知角色"),
        (12, "未知区域"),
        (13, "未知规则"),
        (14, "id 重复"),
        (17, "未知区域"),
    }
    assert all(i.file == tmp_path / "plan.yaml" for i in caught.value.issues)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("{select: {quantity: door_state}, expect: {states: [shut]}}", "未知状态 / unknown states ['shut']"),
        ("{select: {quantity: co2}, expect: {states: [ok]}}", "co2 是测量值"),
        ("{select: {rule: gb-t-18883-2022/co2-1h}, expect: {max: 1}}", "规则检查不需 quantity/expect"),
        ("{select: {zones: [hall]}}", "缺少 quantity 或 expect"),
        ("{select: {quantity: door_stat}, expect: {states: [open]}}", "取值无效 / invalid value 'door_stat'"),
    ],
)
def test_a_bad_live_check_is_refused_at_its_line(tmp_path: Path, check: str, message: str) -> None:
    plan = f"name: p\nsections:\n  - id: s\n    name: s\n    items:\n      - id: i\n        text: t\n        live:\n          - {check}\n"
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_plan(load_site(_site_with_plan(tmp_path)))
    (issue,) = caught.value.issues
    assert (issue.line, issue.file.name) == (9, "plan.yaml")
    assert issue.message.startswith(message), issue.message


def _site_with_plan(folder: Path) -> Path:
    return write_site(
        folder,
        """
        site: {name: 测试中心}
        zones: [{id: hall, name: 大厅, kind: service_hall}]
        safety: {plan: plan.yaml}
        """,
    )
