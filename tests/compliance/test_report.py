"""The monthly report's figures on a seeded month, against figures computed here from the seed itself."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from compliance import MonthlyReport, build_report, month_period, open_sources
from compliance.model import ParameterFigures
from tests.compliance.report_support import (
    ALERTS,
    ANSWER_WITHIN,
    BATTERY,
    CO2_LIMIT,
    END,
    FAILED,
    LAMP_1,
    LAMP_2,
    LUX_MIN,
    MONTH,
    PM_LIMIT,
    SENT,
    START,
    TZ,
    U0_MIN,
    Alert,
    Series,
    co2,
    lux,
    minutes,
    pm25,
    report_site,
    seed,
)

Value = Callable[[datetime], float | None]  # a window's value from its start, None when short of data


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> MonthlyReport:
    async def build() -> MonthlyReport:
        site = report_site(tmp_path_factory.mktemp("report"))
        await seed(site)
        async with open_sources(site) as sources:
            return await build_report(sources, month_period(MONTH, TZ))

    return asyncio.run(build())


def mean_of(series: Series, start: datetime, length: timedelta, need: int) -> float | None:
    """The window's mean when at least `need` of its minutes hold a value."""
    values = [v for t in minutes(start, start + length) if (v := series(t)) is not None]
    return statistics.fmean(values) if len(values) >= need else None


def expect(
    value: Value,
    length: timedelta,
    bad: Callable[[float], bool],
    applies: Callable[[datetime], bool] = lambda _: True,
) -> dict[str, object]:
    starts = []
    t = START
    while t < END:
        if applies(t):
            starts.append(t)
        t += length
    values = [(t, value(t)) for t in starts]
    valid = [(t, v) for t, v in values if v is not None]
    runs, previous, exceeded = 0, None, 0
    for t, v in values:
        if v is not None and bad(v):
            exceeded += 1
            if previous is None or t - previous > length:
                runs += 1
            previous = t
        else:
            previous = None
    return {
        "windows": len(values),
        "windows_valid": len(valid),
        "windows_compliant": sum(not bad(v) for _, v in valid),
        "episodes": runs,
        "exceedance_seconds": exceeded * length.total_seconds(),
    }


def row(rows: Sequence[ParameterFigures], key: str) -> ParameterFigures:
    return next(r for r in rows if r.key == key)


def figures(r: ParameterFigures) -> dict[str, object]:
    return {
        k: getattr(r, k)
        for k in ("windows", "windows_valid", "windows_compliant", "episodes", "exceedance_seconds")
    }


def test_co2_hourly_means_against_the_tightened_limit(report: MonthlyReport) -> None:
    hour = timedelta(hours=1)
    got = row(report.environment, "gb-t-18883-2022/co2-1h@aq-1.co2")
    want = expect(lambda t: mean_of(co2, t, hour, 45), hour, lambda v: v > CO2_LIMIT)
    assert figures(got) == want
    assert got.completeness == pytest.approx(want["windows_valid"] / want["windows"])  # type: ignore[operator]
    assert got.compliance == pytest.approx(want["windows_compliant"] / want["windows_valid"])  # type: ignore[operator]
    assert (got.worst_value, got.worst_at) == (1200.0, datetime(2026, 10, 10, 15, tzinfo=TZ))
    assert (got.max, got.limit, got.override_reason) == (
        CO2_LIMIT,
        "≤ 800 ppm",
        "本站从严 / the center's own target",
    )
    assert (got.standard, got.edition, got.clause, got.window_seconds) == (
        "GB/T 18883-2022",
        "2022",
        "表1 第8项",
        3600,
    )


def test_pm25_calendar_day_means(report: MonthlyReport) -> None:
    day = timedelta(days=1)
    got = row(report.environment, "gb-t-18883-2022/pm2_5-24h@aq-1.pm2_5")
    assert figures(got) == expect(lambda t: mean_of(pm25, t, day, 18 * 60), day, lambda v: v > PM_LIMIT)
    assert got.windowing.startswith("自然日")


def test_completeness_needs_45_minutes_of_an_hour_and_18_hours_of_a_day(report: MonthlyReport) -> None:
    hours = dict(report.series["gb-t-18883-2022/co2-1h@aq-1.co2"])
    assert datetime(2026, 10, 20, 9, tzinfo=TZ) not in hours  # 44 minutes
    assert datetime(2026, 10, 20, 10, tzinfo=TZ) in hours  # exactly 45
    days = dict(report.series["gb-t-18883-2022/pm2_5-24h@aq-1.pm2_5"])
    assert datetime(2026, 10, 5, tzinfo=TZ) not in days  # 17 h
    assert datetime(2026, 10, 6, tzinfo=TZ) in days  # exactly 18 h
    hcho = row(report.environment, "gb-t-18883-2022/hcho-1h@aq-1.hcho")  # no data at all
    assert (hcho.windows, hcho.windows_valid, hcho.completeness, hcho.compliance) == (744, 0, 0.0, None)


def test_lighting_eav_and_u0_during_opening_hours(report: MonthlyReport) -> None:
    quarter = timedelta(minutes=15)

    def means(t: datetime) -> list[float]:
        return [m for s in (lux(1), lux(2)) if (m := mean_of(s, t, quarter, 8)) is not None]

    def open_(t: datetime) -> bool:
        return 8 <= t.hour < 18

    def eav(t: datetime) -> float | None:
        return statistics.fmean(means(t)) if means(t) else None

    def u0(t: datetime) -> float | None:
        found = means(t)
        return min(found) / statistics.fmean(found) if len(found) >= 2 else None

    got = row(report.lighting, "gb-50034-2013/illuminance-service-hall@hall")
    assert figures(got) == expect(eav, quarter, lambda v: v < LUX_MIN, open_)
    assert got.worst_value == 100.0
    assert got.episodes == 1
    uniform = row(report.lighting, "gb-50034-2013/uniformity-service-hall@hall")
    assert figures(uniform) == expect(u0, quarter, lambda v: v < U0_MIN, open_)
    assert uniform.mean == pytest.approx((31 * 40 - 40) / (31 * 40) * 250 / 325 + 40 / (31 * 40))


def test_alert_counts_and_response_times(report: MonthlyReport) -> None:
    in_month = [a for a in ALERTS if START <= a.fired < END]
    answered = [a for a in in_month if a.severity != "info"]
    acks = [(a.acked - a.fired).total_seconds() for a in answered if a.acked]
    fixes = [(a.resolved - a.fired).total_seconds() for a in answered if a.resolved]

    def late(a: Alert) -> bool:
        return ((a.acked or a.resolved or END) - a.fired).total_seconds() > ANSWER_WITHIN

    a = report.alerts
    assert a.fired == len(in_month)
    assert a.by_severity == {
        s: sum(x.severity == s for x in in_month) for s in {x.severity for x in in_month}
    }
    assert (a.ack_median_seconds, a.ack_worst_seconds) == (statistics.median(acks), max(acks))
    assert (a.resolve_median_seconds, a.resolve_worst_seconds) == (statistics.median(fixes), max(fixes))
    assert a.late == sum(late(x) for x in answered) == 2
    assert a.open_at_end == sum(x.resolved is None for x in in_month)
    assert (a.notifications_sent, a.notifications_failed, a.sent_by_channel) == (
        len(SENT),
        len(FAILED),
        {"hook": 2},
    )
    assert report.summary.alerts_late == a.late


def test_faults_carried_in_and_still_open(report: MonthlyReport) -> None:
    faults = {f.key: f for f in report.faults}
    assert set(faults) == {LAMP_1, LAMP_2, BATTERY}
    assert faults[LAMP_2].started == START
    assert faults[LAMP_2].duration_seconds == 2 * 3600
    assert faults[LAMP_1].duration_seconds == 86400
    assert faults[LAMP_1].acknowledged_by == "manager"
    assert faults[BATTERY].ended is None
    assert faults[BATTERY].duration_seconds == 4 * 3600


def test_tests_inspections_limits_and_the_notice(report: MonthlyReport) -> None:
    discharge = [t for t in report.tests if t.task == "em-discharge-test"]
    assert [(t.measured, t.required, t.result) for t in discharge] == [
        ("discharge_duration = 25", "discharge_duration ≥ 30 min", "fail"),
        ("discharge_duration = 90", "discharge_duration ≥ 30 min", "pass"),
    ]
    tasks = {t.task: t for t in report.inspections}
    assert (tasks["patrol"].done, tasks["patrol"].state_at_end) == (1, "overdue")  # daily, last done 30 Oct
    assert (tasks["em-discharge-test"].done, tasks["em-discharge-test"].failed) == (2, 1)
    assert [(o.direction, o.standard_limit, o.site_limit) for o in report.overrides] == [
        ("tightened", "≤ 1000 ppm", "≤ 800 ppm")
    ]
    assert "gb-50034-2013/uniformity-service-hall@hall" in {u.key for u in report.unconfirmed}
    assert "指示性" in report.notice_zh
    assert "indicative" in report.notice_en


async def test_signoffs_and_drills_of_the_month_they_were_recorded(tmp_path: Path) -> None:
    site = report_site(tmp_path)
    await seed(site)  # sign-off and drill are recorded now
    now = datetime.now(TZ)
    async with open_sources(site) as sources:
        current = await build_report(sources, month_period(now.strftime("%Y-%m"), TZ), ["stair-e"])
    assert [(s.item, s.result, s.actor) for s in current.signoffs] == [("lamps", "ok", "manager")]
    assert [(d.section, d.steps, d.steps_signed) for d in current.drills] == [("fire", 2, 1)]
    assert current.environment == []
    assert current.zones == ["stair-e"]
