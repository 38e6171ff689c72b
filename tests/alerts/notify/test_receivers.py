"""The rota's `on-duty` alias and quiet hours, on explicit time in the site's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.notify import Directory
from config.notify import Notify

TZ = ZoneInfo("Asia/Shanghai")
CONFIG = Notify.model_validate(
    {
        "channels": [{"id": "hook", "type": "webhook"}],
        "receivers": [
            {"id": "day", "name": "白班", "channels": [{"channel": "hook"}], "quiet_hours": "22:00-07:00"},
            {"id": "night", "name": "夜班", "channels": [{"channel": "hook"}]},
        ],
        "rota": [
            {"receiver": "day", "days": ["mon", "tue", "wed", "thu", "fri"], "hours": "08:00-18:00"},
            {"receiver": "night"},
        ],
        "routes": [{"receivers": ["on-duty"]}],
    }
)


def at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).timestamp()  # 2026-11-23 is a Monday


def test_on_duty_follows_the_rota() -> None:
    directory = Directory(CONFIG, TZ)
    assert directory.resolve("on-duty", at(23, 9)).id == "day"  # type: ignore[union-attr]
    assert directory.resolve("on-duty", at(23, 19)).id == "night"  # type: ignore[union-attr]
    assert directory.resolve("on-duty", at(28, 9)).id == "night"  # type: ignore[union-attr]  # Saturday
    assert directory.resolve("day", at(28, 9)).id == "day"  # type: ignore[union-attr]


def test_quiet_hours_hold_until_their_end_except_critical() -> None:
    directory = Directory(CONFIG, TZ)
    day = CONFIG.receiver("day")
    assert directory.release(day, "warning", at(23, 23)) == at(24, 7)
    assert directory.release(day, "critical", at(23, 23)) == at(23, 23)
    assert directory.release(day, "warning", at(23, 12)) == at(23, 12)
