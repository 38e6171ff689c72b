"""How values, windows and times read on screen."""

from __future__ import annotations

from datetime import datetime, tzinfo

from dashboard.text import Lang


def number(value: float | None) -> str:
    if value is None:
        return "—"
    magnitude = abs(value)
    digits = 3 if magnitude < 1 else 2 if magnitude < 10 else 1 if magnitude < 100 else 0
    return f"{value:.{digits}f}"


def window(seconds: float, lang: Lang) -> str:
    """`1 小时均值` / `1 h mean`; empty for instantaneous rules."""
    if seconds <= 0:
        return ""
    for size, zh, en in ((86400, "天", "d"), (3600, "小时", "h"), (60, "分钟", "min")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {zh}均值" if lang == "zh" else f"{count} {en} mean"
    return f"{seconds:g} 秒均值" if lang == "zh" else f"{seconds:g} s mean"


def when(ts: float | datetime | None, tz: tzinfo) -> str:
    if ts is None:
        return "—"
    moment = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, tz)
    return moment.astimezone(tz).strftime("%m-%d %H:%M:%S")
