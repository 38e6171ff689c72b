"""When an inspection is due: calendar arithmetic on the site's local dates, no I/O.

The next due date counts from the last time the task was done (from when it was first scheduled if
it never was): a day, a week, half a month, a month, a quarter or a year later, and the task is due
until the end of that day. Months are calendar months clamped to their length — done on 31 January,
due on 28 (29) February; done on 29 February, due a year later on 28 February. Half a month is half
the days to the same date next month, rounded down: from 31 January 14 days (14 February), from
15 January 15 days (30 January), so two fall in every month. Due dates are recomputed from the
records every time, so they survive a restart with the records.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from config.models import Zone
from safety.plan import Every

DAY = 86400.0
# how long before the end of its due day a task reminds, unless the plan says `remind:`
REMIND = {
    Every.DAY: 4 * 3600.0,
    Every.WEEK: DAY,
    Every.HALF_MONTH: 2 * DAY,
    Every.MONTH: 3 * DAY,
    Every.QUARTER: 7 * DAY,
    Every.YEAR: 30 * DAY,
}
_BASEMENT = re.compile(r"^\s*(B\d+|-\d+|地下)", re.IGNORECASE)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the target month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(last: date, every: Every) -> date:
    """The date by whose end a task done on `last` must be done again."""
    if every is Every.DAY:
        return last + timedelta(days=1)
    if every is Every.WEEK:
        return last + timedelta(days=7)
    if every is Every.HALF_MONTH:
        return last + timedelta(days=(add_months(last, 1) - last).days // 2)
    months = {Every.MONTH: 1, Every.QUARTER: 3, Every.YEAR: 12}[every]
    return add_months(last, months)


def is_underground(zone: Zone) -> bool:
    """A zone on a basement floor (`floor: B1`, `-1`, `地下一层`): GB 50444 §5.2.2's 地下室."""
    return bool(_BASEMENT.match(zone.floor))


class DueState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"  # inside its reminder time
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Due:
    last_done: date | None
    due: date
    overdue_at: datetime  # the end of the due day, site time
    remind_at: datetime
    state: DueState


def due_state(
    every: Every, remind: float, last_done: date | None, *, scheduled: date, now: datetime, tz: ZoneInfo
) -> Due:
    """Where a task stands at `now`: done last on `last_done` (None: never, scheduled since `scheduled`)."""
    due = next_due(last_done or scheduled, every)
    overdue_at = datetime.combine(due + timedelta(days=1), time(), tz)
    remind_at = overdue_at - timedelta(seconds=remind)
    state = DueState.OVERDUE if now >= overdue_at else DueState.DUE_SOON if now >= remind_at else DueState.OK
    return Due(last_done, due, overdue_at, remind_at, state)
