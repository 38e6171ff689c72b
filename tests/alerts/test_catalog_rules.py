"""Every catalog rule, on both sides of its limit, firing exactly when its window and `for` allow.

The table is the catalog itself: a new rule in config/standards/*.yaml is tested without a new line
here. Each series starts cold, so a rule may fire only once its window holds the share of data the
standard asks for (partial windows at start-up are not means of the window) plus its `for`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import Site
from config.standards import RuleSpec, Season, StandardSpec, Statistic, When
from sensors import Quantity
from sensors.units import to_canonical
from tests.alerts.support import STANDARDS, engine_for, probe_site, run, series

TZ = ZoneInfo("Asia/Shanghai")
DAYS = {  # Wednesdays at 09:00, inside opening hours, in each season of the default calendar
    Season.SUMMER: datetime(2026, 7, 15, 9, 0, tzinfo=TZ),
    Season.WINTER: datetime(2026, 1, 14, 9, 0, tzinfo=TZ),
    Season.TRANSITION: datetime(2026, 4, 15, 9, 0, tzinfo=TZ),
    Season.ANY: datetime(2026, 4, 15, 9, 0, tzinfo=TZ),
}
CASES = [(std, rule) for std in STANDARDS.values() for rule in std.rules]


def _canonical(rule: RuleSpec, limit: float) -> float:
    if rule.statistic is Statistic.ZONE_UNIFORMITY:
        return limit
    return to_canonical(limit, rule.unit, rule.quantity)


def _values(rule: RuleSpec, breach: bool) -> tuple[float | str, float | str]:
    """(value of sensor 1, value of sensor 2) just past the limit, or well inside it."""
    if rule.statistic is Statistic.STATE:
        assert rule.state is not None
        ok = next(s for s in rule.quantity.info.states if s != rule.state)
        return (rule.state, rule.state) if breach else (ok, ok)
    high = None if rule.max is None else _canonical(rule, rule.max)
    low = None if rule.min is None else _canonical(rule, rule.min)
    if rule.statistic is Statistic.ZONE_UNIFORMITY:
        assert low is not None
        u = low * 0.9 if breach else min(1.0, low * 1.3)
        return 100 * u / (2 - u), 100.0  # min/mean of the two is u
    if high is not None and low is not None:
        value = high * 1.05 if breach else (high + low) / 2
    elif high is not None:
        value = high * (1.05 if breach else 0.5)
    else:
        assert low is not None
        value = low * (0.95 if breach else 2.0)
    return value, value


@cache
def _site(folder: Path, std: str, kind: str, evacuation_route: bool, poll: float) -> Site:
    path = folder / f"{std}-{kind}-{evacuation_route}-{poll}"
    path.mkdir()
    return probe_site(path, kind=kind, evacuation_route=evacuation_route, standards=[std], poll=poll)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sites")


@pytest.mark.parametrize(("std", "rule"), CASES, ids=[f"{s.id}/{r.id}" for s, r in CASES])
@pytest.mark.parametrize("breach", [True, False], ids=["breach", "inside"])
def test_rule(folder: Path, std: StandardSpec, rule: RuleSpec, breach: bool) -> None:
    kind = rule.room_kinds[0].value if rule.room_kinds else "office"
    poll = max(rule.window / 720, 2.0) if rule.window else 5.0
    engine = engine_for(_site(folder, std.id, kind, bool(rule.evacuation_route), poll))
    start = DAYS[rule.season]
    needed = (rule.min_coverage * rule.window if rule.window else 0.0) + rule.pending
    count = int((needed + 10 * poll) / poll) + 1
    first, second = _values(rule, breach)
    if rule.quantity is Quantity.ILLUMINANCE:  # zone rules: two sensors in the zone
        readings = series({"probe.illuminance": Quantity.ILLUMINANCE}, [first] * count, start, poll)
        readings += series({"probe.illuminance_2": Quantity.ILLUMINANCE}, [second] * count, start, poll)
    else:
        readings = series({f"probe.{rule.quantity.value}": rule.quantity}, [first] * count, start, poll)
    if rule.when is When.EMERGENCY:
        readings += series({"probe.main_power": Quantity.MAIN_POWER}, ["off"] * count, start, poll)
    readings.sort(key=lambda r: r.ts)
    transitions = [t for t in run(engine, readings, tick=poll) if t.rule == f"{std.id}/{rule.id}"]
    if not breach:
        assert transitions == []
        return
    fired = [t for t in transitions if t.state.value == "firing"]
    assert len(fired) == 1, [t.state for t in transitions]
    at = fired[0].ts - start.timestamp()
    assert needed - 2 * poll <= at <= needed + 2 * poll, (at, needed)
    assert fired[0].clause == rule.source.clause
    assert fired[0].confidence == rule.confidence.value
