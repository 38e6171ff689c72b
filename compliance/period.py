"""Report periods: a calendar month in the site's timezone, from local midnight to local midnight."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from compliance.model import Period

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A month that is not YYYY-MM."""


def month_period(month: str, tz: ZoneInfo) -> Period:
    """The month `YYYY-MM` as a period in `tz`; PeriodError naming the expected form."""
    match = _MONTH.match(month.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise PeriodError(f"月份无效 / bad month {month!r}: valid YYYY-MM, e.g. 2026-10")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return Period(
        month=first.strftime("%Y-%m"),
        start=datetime.combine(first, time(), tz),
        end=datetime.combine(next_month(first), time(), tz),
        timezone=str(tz),
    )


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous_month(now: datetime, tz: ZoneInfo) -> str:
    """`YYYY-MM` of the month before the one `now` falls in, in `tz`."""
    local = now.astimezone(tz).date().replace(day=1)
    return (
        date(local.year - 1, 12, 1) if local.month == 1 else local.replace(month=local.month - 1)
    ).strftime("%Y-%m")
