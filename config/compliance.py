"""The site's `compliance:` section: the time the center commits to answer an alert in, and the monthly job.

Specification 6.1 asks that problems be answered within the set time; the site sets it here and the
monthly report counts the alerts answered later. `monthly:` makes the service write last month's
report files into a folder on a given day and time, and tell the manager through the notify routes.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from config.errors import InvalidValue
from config.types import Seconds

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"
    CSV = "csv"


def _check_clock(text: str) -> str:
    if _CLOCK.match(text.strip()) is None:
        raise InvalidValue(f"时刻无效 / bad time of day {text!r}", 'valid: HH:MM in site time, e.g. "08:00"')
    return text.strip()


Clock = Annotated[str, AfterValidator(_check_clock)]


class MonthlyJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: Path = Field(default=Path("reports"), description="relative to the site file")
    day: int = Field(default=1, ge=1, le=28, description="day of the month the previous month is written")
    at: Clock = Field(default="08:00", description="site time, HH:MM")
    formats: list[ReportFormat] = Field(
        default_factory=lambda: [ReportFormat.XLSX, ReportFormat.PDF], min_length=1
    )

    @property
    def time(self) -> time:
        hour, minute = (int(part) for part in self.at.split(":"))
        return time(hour, minute)


class Compliance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_within: Seconds = Field(
        default=7200.0, gt=0, le=30 * 86400, description="an alert answered later counts as late (6.1)"
    )
    monthly: MonthlyJob | None = Field(default=None, description="write last month's report on a schedule")
