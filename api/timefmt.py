"""Times in and out of the API: accepted with any offset, returned in the site's timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import HTTPException, status

EARLIEST, LATEST = 1970, 9999 - 1  # a range ± a day still fits in datetime


def to_site(ts: datetime, tz: ZoneInfo) -> datetime:
    return ts.astimezone(tz)


def parse_query_time(value: str | None, name: str, tz: ZoneInfo, default: datetime) -> datetime:
    """ISO 8601; a time without offset is read in the site's timezone, as a person there means it."""
    if value is None:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} 不是有效时间 / {name} is not an ISO 8601 time: {value!r} (e.g. 2026-11-28T08:30:00+08:00)",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if not EARLIEST <= parsed.year <= LATEST:  # arithmetic on the range must not overflow
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name} 超出范围 / {name} is out of range: {value!r} (years {EARLIEST}–{LATEST})",
        )
    return parsed.astimezone(UTC)
