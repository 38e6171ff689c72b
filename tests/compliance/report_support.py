"""A small site and a seeded month (October 2026) for the monthly report's tests.

Readings, alert transitions, delivery-log rows and safety records are written straight into the
site's SQLite file through the parts that own them. Each seeded series is a function of the minute,
so a test computes the expected figures from the same function with plain loops, independently of
the report's SQL windows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts import AlertState, Transition
from alerts.channels.base import Delivery, Notice
from alerts.notify.queue import NotifyQueue, Queued
from alerts.state import AlertStatus
from alerts.store import AlertStore
from config import Site, load_site
from config.catalog import build_catalog
from safety import SafetyService
from safety.inspections import Result
from safety.journal import EntryKind, SafetyJournal
from sensors import Quantity, Reading
from storage import SqliteStore
from tests.helpers import free_port, write_site

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"
START = datetime(2026, 10, 1, tzinfo=TZ)
END = datetime(2026, 11, 1, tzinfo=TZ)
ANSWER_WITHIN = 1800.0  # the site's compliance.answer_within: 30m
CO2_LIMIT = 800.0  # ppm: the site tightened 0.10 % to 0.08 %
PM_LIMIT = 50.0  # µg/m³ (0.05 mg/m³)
LUX_MIN, U0_MIN = 300.0, 0.4

PLAN = """
name: 测试中心应急预案
sections:
  - id: fire
    name: 火灾 / Fire
    roles: [{id: lead, name: 总指挥 / Commander, who: 主任}]
    steps:
      - {id: alarm, role: lead, text: 报警 / Raise the alarm}
      - {id: evacuate, role: lead, text: 疏散 / Evacuate}
    items:
      - id: lamps
        text: 疏散路线应急灯正常 / Evacuation lamps normal
        live:
          - {select: {evacuation_route: true, quantity: lamp_state}, expect: {states: [normal]}}
inspections:
  - {id: patrol, name: 每日巡查 / Daily patrol, every: day}
  - id: em-discharge-test
    name: 年度放电测试 / Annual discharge test
    every: year
    measures:
      - {id: discharge_duration, name: 放电时间 / Discharge, rule: gb-51309-2018/discharge-too-short, quantity: discharge_duration}
"""


def report_site(folder: Path, compliance: str = "{answer_within: 30m}") -> Site:
    """Hall (air, two lux meters) and an east stairwell (emergency lamps); nothing listens on the bus."""
    (folder / "plan.yaml").write_text(textwrap.dedent(PLAN).lstrip(), encoding="utf-8")
    path = write_site(
        folder,
        f"""
        site: {{name: 测试中心, timezone: Asia/Shanghai, opening_hours: {{mon-sun: "08:00-18:00"}}}}
        zones:
          - {{id: hall, name: 服务大厅, kind: service_hall}}
          - {{id: stair-e, name: 东楼梯间, kind: stairwell, evacuation_route: true}}
        buses:
          - {{id: gw, transport: tcp, host: 127.0.0.1, port: {free_port()}, timeout: 300ms}}
        devices:
          - {{id: aq-1, bus: gw, address: 1, profile: air-7in1, zone: hall, poll: 60s}}
          - {{id: lux-1, bus: gw, address: 2, profile: lux-nhzd210, zone: hall, poll: 60s}}
          - {{id: lux-2, bus: gw, address: 3, profile: lux-nhzd210, zone: hall, poll: 60s}}
          - {{id: em-1, bus: gw, address: 4, profile: emergency-gateway, zone: stair-e, poll: 60s}}
        storage: {{sqlite: {{path: data/test.db}}}}
        alerting:
          overrides:
            - {{rule: gb-t-18883-2022/co2-1h, max: 0.08, reason: 本站从严 / the center's own target}}
        safety: {{plan: plan.yaml}}
        compliance: {compliance}
        notify:
          channels:
            - {{id: hook, type: webhook, url: 'http://127.0.0.1:9/hook', secret: s3cret}}
          receivers:
            - {{id: duty, name: 值班员, channels: [{{channel: hook}}]}}
          routes:
            - {{receivers: [duty]}}
        """,
    )
    return load_site(path)


Series = Callable[[datetime], float | None]  # the value at a minute (site time), None: no reading


def co2(minute: datetime) -> float | None:
    """600 ppm; 900 on 3 Oct 10–13 h (one 3-hour episode); 1200 on 10 Oct 15 h; 20 Oct 09 h has
    44 minutes of data (short), 10 h exactly 45 (valid); no data on 25 Oct."""
    day, hour = minute.day, minute.hour
    if day == 25 or (day == 20 and hour == 9 and minute.minute >= 44):
        return None
    if day == 20 and hour == 10 and minute.minute >= 45:
        return None
    if day == 3 and 10 <= hour < 13:
        return 900.0
    return 1200.0 if (day, hour) == (10, 15) else 600.0


def pm25(minute: datetime) -> float | None:
    """20 µg/m³; 5 Oct has 17 h of data (short), 6 Oct exactly 18 h; 7–8 Oct 100 (one 2-day episode)."""
    day, hour = minute.day, minute.hour
    if (day == 5 and hour >= 17) or (day == 6 and hour >= 18):
        return None
    return 100.0 if day in (7, 8) else 20.0


def lux(sensor: int) -> Series:
    """Opening hours only: 400 and 250 lx (Eav 325, U0 0.77); both 100 on 15 Oct (Eav below 300)."""

    def value(minute: datetime) -> float | None:
        if not 8 <= minute.hour < 18:
            return None
        if minute.day == 15:
            return 100.0
        return 400.0 if sensor == 1 else 250.0

    return value


SERIES: dict[str, tuple[Quantity, Series]] = {
    "aq-1.co2": (Quantity.CO2, co2),
    "aq-1.pm2_5": (Quantity.PM2_5, pm25),
    "lux-1.illuminance": (Quantity.ILLUMINANCE, lux(1)),
    "lux-2.illuminance": (Quantity.ILLUMINANCE, lux(2)),
}


def minutes(start: datetime = START, end: datetime = END) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Alert:
    """One seeded alert: fired, acknowledged and resolved at these site times (None: not)."""

    key: str
    severity: str
    zone: str | None
    fired: datetime
    acked: datetime | None
    resolved: datetime | None


LAMP_1 = "gb-51309-2018/lamp-fault@em-1.lamp_1"
LAMP_2 = "gb-51309-2018/lamp-fault@em-1.lamp_2"
BATTERY = "gb-51309-2018/battery-fault@em-1.lamp_1_battery"
ALERTS = [
    Alert("gb-t-18883-2022/co2-1h@aq-1.co2", "warning", "hall",
          datetime(2026, 10, 3, 10, 30, tzinfo=TZ), datetime(2026, 10, 3, 10, 50, tzinfo=TZ),
          datetime(2026, 10, 3, 13, 10, tzinfo=TZ)),
    Alert(LAMP_1, "critical", "stair-e", datetime(2026, 10, 12, 9, tzinfo=TZ),
          datetime(2026, 10, 12, 12, tzinfo=TZ), datetime(2026, 10, 13, 9, tzinfo=TZ)),
    Alert(BATTERY, "critical", "stair-e", datetime(2026, 10, 31, 20, tzinfo=TZ), None, None),
    Alert("anjing/service/safety-due@patrol", "info", None, datetime(2026, 10, 5, 9, tzinfo=TZ), None,
          datetime(2026, 10, 6, 9, tzinfo=TZ)),
    # fired in September, resolved on 1 October: a fault carried into the month, not a new alert
    Alert(LAMP_2, "critical", "stair-e", datetime(2026, 9, 30, 22, tzinfo=TZ), None,
          datetime(2026, 10, 1, 2, tzinfo=TZ)),
]  # fmt: skip
SENT = [datetime(2026, 10, 3, 10, 31, tzinfo=TZ), datetime(2026, 10, 12, 9, 1, tzinfo=TZ)]
FAILED = [datetime(2026, 10, 12, 9, 0, 30, tzinfo=TZ)]


async def seed(site: Site) -> None:
    """Write the month into the site's file."""
    path = site.resolve(site.config.storage.sqlite.path).resolve()
    store = await SqliteStore.open(path)
    try:
        for sensor, (quantity, series) in SERIES.items():
            batch = []
            for minute in minutes():
                value = series(minute)
                if value is not None:
                    batch.append(Reading(sensor, quantity, value, minute))
                if len(batch) >= 5000:
                    await store.write(batch)
                    batch = []
            await store.write(batch)
        await _alerts(path)
        await _deliveries(path)
        await _safety(site, path, store)
    finally:
        await store.close()


def _transition(alert: Alert, ts: datetime, state: AlertState, previous: AlertState) -> Transition:
    user = "manager" if state is AlertState.ACKNOWLEDGED else None
    return Transition(
        ts=ts.timestamp(), key=alert.key, rule=alert.key.partition("@")[0], name=f"告警 {alert.key}",
        subject=alert.key.partition("@")[2], zone=alert.zone, state=state, previous=previous,
        severity=alert.severity, user=user,
    )  # fmt: skip


async def _alerts(path: Path) -> None:
    store = await AlertStore.open(path)
    try:
        for alert in ALERTS:
            moves = [
                _transition(
                    alert, alert.fired - timedelta(minutes=10), AlertState.PENDING, AlertState.INACTIVE
                )
            ]
            moves.append(_transition(alert, alert.fired, AlertState.FIRING, AlertState.PENDING))
            state = AlertState.FIRING
            if alert.acked is not None:
                moves.append(_transition(alert, alert.acked, AlertState.ACKNOWLEDGED, state))
                state = AlertState.ACKNOWLEDGED
            if alert.resolved is not None:
                moves.append(_transition(alert, alert.resolved, AlertState.RESOLVED, state))
            await store.record(moves, {alert.key: AlertStatus(state=moves[-1].state, since=moves[-1].ts)})
    finally:
        await store.close()


async def _deliveries(path: Path) -> None:
    queue = await NotifyQueue.open(path)
    try:
        notice = Notice("duty", "告警", "正文", "critical", (LAMP_1,), "http://127.0.0.1/")
        for n, (ts, ok) in enumerate([*((t, True) for t in SENT), *((t, False) for t in FAILED)]):
            item = Queued(f"seed-{n}", "hook", "notify", notice, ts.timestamp())
            await queue.put([item], ts.timestamp())
            (queued,) = await queue.due("hook", ts.timestamp() + 1)
            outcome = "sent" if ok else "failed"
            await queue.settle(
                queued, Delivery(ok, "200" if ok else "500"), outcome, ts.timestamp(), retry_at=None
            )
    finally:
        await queue.close()


TESTS = [  # (task, performed, measured discharge in min): 25 min fails the 30 min requirement
    ("em-discharge-test", datetime(2026, 10, 9, 10, tzinfo=TZ), 25.0),
    ("em-discharge-test", datetime(2026, 10, 16, 10, tzinfo=TZ), 90.0),
    ("patrol", datetime(2026, 10, 30, 9, tzinfo=TZ), None),
]


async def _safety(site: Site, path: Path, store: SqliteStore) -> None:
    safety = SafetyService(site, build_catalog(site))
    journal = await SafetyJournal.open(path)
    try:
        await safety.inspections.open(journal, store)
        for task, performed, hours in TESTS:
            values = {} if hours is None else {"discharge_duration": hours}
            await safety.inspections.record(
                task, "inspector", result=Result.PASS, performed=performed, values=values
            )
        await journal.append(
            EntryKind.SIGN,
            "lamps",
            "manager",
            {"section": "fire", "result": "ok", "note": "", "evidence": []},
        )
        drill = await journal.append(
            EntryKind.DRILL_START, "fire", "manager", {"kind": "drill", "note": "", "evidence": []}
        )
        await journal.append(EntryKind.DRILL_STEP, "alarm", "manager",
                             {"text": "报警", "note": "", "result": None, "evidence": []}, drill=drill.id)  # fmt: skip
        await journal.append(
            EntryKind.DRILL_END, "fire", "manager", {"note": "", "evidence": []}, drill=drill.id
        )
    finally:
        await journal.close()
