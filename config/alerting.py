"""The site's `alerting:` section: which standards apply where, tightened or reasoned limits, seasons.

A site may tighten any limit; loosening one (a higher max, a lower min, a longer `for`) needs a written
`reason`, which the API and reports show beside the alert. Checks that need the catalog (unknown rule,
loosening without a reason) are made where the catalog is bound to the site (`alerts.rules.bind`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from config.errors import InvalidValue
from config.types import IDENTIFIER_PATTERN, Seconds

# as config.models' own, which imports this module for SiteConfig.alerting
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_DAY = re.compile(r"^(\d{2})-(\d{2})\.\.(\d{2})-(\d{2})$")
_DAY_HINT = 'valid: MM-DD..MM-DD, e.g. "11-15..03-15" (may pass the new year)'


def _check_days(text: str) -> str:
    match = _DAY.match(text.strip())
    if match is None:
        raise InvalidValue(f"日期范围无效 / bad date range {text!r}", _DAY_HINT)
    m1, d1, m2, d2 = (int(g) for g in match.groups())
    try:
        date(2024, m1, d1), date(2024, m2, d2)  # a leap year accepts 02-29
    except ValueError as exc:
        raise InvalidValue(f"日期无效 / bad date in {text!r}: {exc}", _DAY_HINT) from exc
    return text


DayRange = Annotated[str, AfterValidator(_check_days)]


def in_day_range(spec: str, day: date) -> bool:
    """Whether `day` falls in `spec` ("11-15..03-15"), both ends included."""
    m1, d1, m2, d2 = (int(g) for g in _DAY.match(spec.strip()).groups())  # type: ignore[union-attr]
    start, end, here = (m1, d1), (m2, d2), (day.month, day.day)
    return start <= here <= end if start <= end else here >= start or here <= end


class Seasons(Strict):
    """GB/T 18883-2022 names only 夏季/冬季: the dates are the site's (heating / cooling periods)."""

    summer: DayRange = "06-01..09-30"
    winter: DayRange = "11-15..03-15"


class RuleOverride(Strict):
    """A site's own limit for one catalog rule, in the standard's unit, in some zones or all."""

    rule: str = Field(description="standard/rule, e.g. gb-t-18883-2022/hcho-1h")
    zones: list[Identifier] = Field(default_factory=list, description="zones it applies to; all when empty")
    max: float | None = None
    min: float | None = None
    pending: Seconds | None = Field(default=None, ge=0, alias="for")
    reason: str = Field(default="", description="required to loosen a limit; reports show it")


class SurveyRef(Strict):
    """A zone's latest GB/T 5700 grid survey (CSV `point,lux`, see alerts/rules/survey.py)."""

    file: Path = Field(description="relative to the site file")
    date: date


class Alerting(Strict):
    enabled: bool = True
    standards: list[Identifier] | None = Field(
        default=None, description="standards for every zone; all shipped when absent"
    )
    zone_standards: dict[Identifier, list[Identifier]] = Field(
        default_factory=dict, description="per zone, replacing `standards` there"
    )
    overrides: list[RuleOverride] = Field(default_factory=list)
    surveys: dict[Identifier, SurveyRef] = Field(
        default_factory=dict, description="per zone: its lighting commissioning survey"
    )
    seasons: Seasons = Seasons()
    demo_window_scale: float = Field(
        default=1.0,
        ge=1,
        le=3600,
        description="demo only (simulator enabled): windows and `for` divided by this; production never",
    )
    tick: Seconds = Field(default=1.0, gt=0, le=60, description="how often staleness and timers are checked")
