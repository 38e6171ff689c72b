"""GB 51309's periodic tests: the controller's self-test records, judged at the edges of their limits,
and watched on the demo site's controller, whose records sit in the fire-control room."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts import build_engine
from config import load_site
from config.catalog import build_catalog
from sensors import Quantity
from tests.alerts.support import STANDARDS, engine_for, probe_site, run, series, states

DEMO = Path(__file__).resolve().parents[2] / "config" / "examples" / "demo-site.yaml"
START = datetime(2026, 4, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RULES = {
    Quantity.FUNCTION_TEST_AGE: "gb-51309-2018/function-test-overdue",
    Quantity.DISCHARGE_TEST_AGE: "gb-51309-2018/discharge-test-overdue",
    Quantity.DISCHARGE_DURATION: "gb-51309-2018/discharge-too-short",
}


@pytest.mark.parametrize(
    ("quantity", "value", "fires"),
    [
        (Quantity.FUNCTION_TEST_AGE, 32, False),  # (30 ± 2) d: the latest a monthly self-test may run
        (Quantity.FUNCTION_TEST_AGE, 33, True),
        (Quantity.DISCHARGE_TEST_AGE, 366, False),  # 12 months, a leap year included
        (Quantity.DISCHARGE_TEST_AGE, 367, True),
        (Quantity.DISCHARGE_DURATION, 30, False),  # 0.5 h exactly is enough
        (Quantity.DISCHARGE_DURATION, 29, True),
    ],
)
def test_limits_at_their_edges(tmp_path: Path, quantity: Quantity, value: float, fires: bool) -> None:
    engine = engine_for(probe_site(tmp_path, standards=["gb-51309-2018"], poll=60))
    readings = series({f"probe.{quantity.value}": quantity}, [value] * 3, START, 60)
    transitions = run(engine, readings, tick=60)
    assert states(transitions, RULES[quantity]) == (["firing"] if fires else [])


def test_a_test_run_resolves_the_overdue_alert(tmp_path: Path) -> None:
    engine = engine_for(probe_site(tmp_path, standards=["gb-51309-2018"], poll=60))
    quantity = Quantity.FUNCTION_TEST_AGE
    readings = series({f"probe.{quantity.value}": quantity}, [40, 40, 0, 0], START, 60)
    assert states(run(engine, readings, tick=60), RULES[quantity]) == ["firing", "resolved"]


def test_the_demo_controller_records_are_watched_in_the_fire_control_room() -> None:
    site = load_site(DEMO)
    bindings = build_engine(site, build_catalog(site), STANDARDS).bindings
    for quantity, rule in RULES.items():
        binding = bindings[f"{rule}@em-ctrl.{quantity.value}"]
        assert (binding.zone, binding.pending, binding.window) == ("fire-control", 0.0, 0.0)
    assert bindings["gb-51309-2018/discharge-too-short@em-ctrl.discharge_duration"].limit_text == "≥ 30 min"
