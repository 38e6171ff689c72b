"""Notices the channel tests send: Chinese first, as the people on duty read them."""

from __future__ import annotations

from alerts.channels.base import Notice

LINK = "https://anjing.local/alerts/hcho-meeting"


def notice(**changes: object) -> Notice:
    fields: dict[str, object] = {
        "receiver": "duty-day",
        "subject": "【告警】会议室 甲醛1小时均值 0.12 mg/m³ > 0.08 mg/m³",
        "body": "**会议室** 甲醛1小时均值 0.12 mg/m³，限值 0.08 mg/m³（GB/T 18883-2022 表1）\n自 09:12 起",
        "severity": "warning",
        "alert_keys": ("gbt18883/hcho@meeting",),
        "link": LINK,
    }
    fields.update(changes)
    return Notice(**fields)  # type: ignore[arg-type]
