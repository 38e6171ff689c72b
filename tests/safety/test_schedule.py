"""Due dates across month ends, February and leap years; the half-monthly rule for basements (GB 50444
§5.2.2); reminders and overdue at the end of the due day in the site's timezone."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import RoomKind, Zone, load_site
from config.standards import load_standards
from safety import DueState, Every, add_months, build_tasks, due_state, is_underground, load_plan, next_due

DEMO = Path(__file__).resolve().parents[2] / "config" / "examples" / "demo-site.yaml"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("last", "every", "due"),
    [
        (date(2026, 1, 31), Every.MONTH, date(2026, 2, 28)),  # clamped to February's end
        (date(2028, 1, 31), Every.MONTH, date(2028, 2, 29)),  # a leap year's February
        (date(2026, 3, 31), Every.MONTH, date(2026, 4, 30)),
        (date(2026, 12, 15), Every.MONTH, date(2027, 1, 15)),  # across the new year
        (date(2028, 2, 29), Every.YEAR, date(2029, 2, 28)),  # no 29 February next year
        (date(2027, 2, 28), Every.YEAR, date(2028, 2, 28)),
        (date(2026, 11, 30), Every.QUARTER, date(2027, 2, 28)),
        (date(2026, 12, 31), Every.DAY, date(2027, 1, 1)),
        (date(2026, 2, 25), Every.WEEK, date(2026, 3, 4)),
        (date(2028, 2, 25), Every.WEEK, date(2028, 3, 3)),  # 29 February counts
        # half a month: half the days to the same date next month, so two fall in every month
        (date(2026, 1, 15), Every.HALF_MONTH, date(2026, 1, 30)),  # 31 days → 15
        (date(2026, 1, 31), Every.HALF_MONTH, date(2026, 2, 14)),  # to 28 February: 28 days → 14
        (date(2026, 2, 1), Every.HALF_MONTH, date(2026, 2, 15)),  # 28 days → 14
        (date(2028, 2, 15), Every.HALF_MONTH, date(2028, 2, 29)),  # 29 days → 14
        (date(2026, 12, 20), Every.HALF_MONTH, date(2027, 1, 4)),
    ],
)
def test_next_due(last: date, every: Every, due: date) -> None:
    assert next_due(last, every) == due


def test_half_months_keep_two_checks_in_every_month_of_a_leap_year() -> None:
    day, seen = date(2028, 1, 1), []
    while day.year == 2028:
        seen.append((day.month, day))
        day = next_due(day, Every.HALF_MONTH)
    per_month = {m: sum(1 for month, _ in seen if month == m) for m in range(1, 13)}
    assert min(per_month.values()) >= 2
    gaps = [(b - a).days for (_, a), (_, b) in itertools.pairwise(seen)]
    assert (min(gaps), max(gaps)) == (14, 15)


def test_add_months_clamps_and_carries_years() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 24) == date(2028, 1, 31)


@pytest.mark.parametrize(("floor", "below"), [("B1", True), ("b2", True), ("-1", True), ("地下一层", True),
                                              ("1F", False), ("", False), ("2F", False)])  # fmt: skip
def test_underground_floors(floor: str, below: bool) -> None:
    assert is_underground(Zone(id="z", name="z", kind=RoomKind.PARKING, floor=floor)) is below


def test_the_demo_checks_extinguishers_in_the_basement_twice_a_month() -> None:
    site = load_site(DEMO)
    standards = load_standards()
    tasks = {t.id: t for t in build_tasks(load_plan(site, standards), site, standards)}
    periods = {ident: t.every for ident, t in tasks.items() if ident.startswith("extinguishers.")}
    assert periods == {
        "extinguishers.hall": Every.MONTH,
        "extinguishers.corridor": Every.MONTH,
        "extinguishers.parking": Every.HALF_MONTH,  # floor B1
    }
    discharge = tasks["em-discharge-test"].limits[0]
    assert (discharge.min, discharge.unit, discharge.source) == (
        30.0,
        "min",
        "gb-51309-2018/discharge-too-short",
    )


def test_due_states_turn_at_the_end_of_the_due_day_in_site_time() -> None:
    last = date(2026, 1, 31)
    remind = 3 * 86400.0

    def at(text: str) -> DueState:
        now = datetime.fromisoformat(text).replace(tzinfo=TZ)
        return due_state(Every.MONTH, remind, last, scheduled=date(2025, 1, 1), now=now, tz=TZ).state

    assert at("2026-02-25T23:59:59") is DueState.OK
    assert at("2026-02-26T00:00:00") is DueState.DUE_SOON  # three days before the end of 28 February
    assert at("2026-02-28T23:59:59") is DueState.DUE_SOON
    assert at("2026-03-01T00:00:00") is DueState.OVERDUE
    in_utc = datetime(2026, 2, 28, 16, 0, tzinfo=ZoneInfo("UTC"))  # = 1 March 00:00 in Shanghai
    assert due_state(Every.MONTH, remind, last, scheduled=last, now=in_utc, tz=TZ).state is DueState.OVERDUE


def test_a_task_never_done_is_due_one_period_after_it_was_scheduled() -> None:
    scheduled = date(2026, 11, 29)
    now = datetime(2026, 11, 29, 9, tzinfo=TZ)
    due = due_state(Every.WEEK, 86400.0, None, scheduled=scheduled, now=now, tz=TZ)
    assert (due.due, due.state, due.last_done) == (scheduled + timedelta(days=7), DueState.OK, None)
