"""The standards catalog: one YAML file per standard and edition in `config/standards/`, as models.

Every number a rule checks comes from these files, never from code. Each rule carries its limit in the
standard's own unit, the averaging window and statistic the standard uses, the conditions under which
it applies, and its source: clause, the standard's wording and how sure we are of the value
(`confidence`, from ../shared/reference/standards.md). Files load with file:line errors like the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, model_validator

from config.errors import ConfigError, ConfigIssue, InvalidValue
from config.models import Identifier, RoomKind, Strict
from config.source import load_yaml
from config.types import Seconds
from config.validation import validate
from sensors import Quantity
from sensors.units import UnitError, to_canonical

SHIPPED_STANDARDS = Path(__file__).parent / "standards"


class Statistic(StrEnum):
    """What a rule compares with its limit."""

    MEAN = "mean"  # the sensor's mean over `window` (GB/T 18883's 1-hour, 8-hour, 24-hour, annual means)
    LAST = "last"  # the newest value (instantaneous physical parameters)
    STATE = "state"  # a state quantity shows the label `state` (fault, open, blocked)
    ZONE_MEAN = "zone_mean"  # Eav: the mean over the zone's sensors of their window means (GB/T 5700)
    ZONE_UNIFORMITY = "zone_uniformity"  # U0 = Emin / Eav over the zone's sensors (GB/T 5700)
    ZONE_MIN = "zone_min"  # the lowest of the zone's sensors (evacuation lighting: a minimum)


class Season(StrEnum):
    ANY = "any"
    SUMMER = "summer"
    WINTER = "winter"
    TRANSITION = "transition"  # neither: §7.3's union of the two ranges, indicative


class When(StrEnum):
    ALWAYS = "always"
    OPEN = "open"  # only while the center is open (rooms in use)
    EMERGENCY = "emergency"  # only while a main-power sensor of the site reports "off"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Confidence(StrEnum):
    """How sure standards.md is of a value; the API and exports show it with every alert."""

    HIGH = "high"
    MEDIUM_HIGH = "medium-high"
    MEDIUM = "medium"
    MEDIUM_LOW = "medium-low"
    LOW = "low"
    UNCONFIRMED = "unconfirmed"
    POLICY = "policy"  # an engineering choice where the standard gives no number


class RuleSource(Strict):
    clause: str = Field(description="clause or table of the standard")
    wording: str = Field(description="the standard's own words, as read")
    refs: list[str] = Field(default_factory=list, description="source ids in standards.md (A1, L2 …)")


class RuleSpec(Strict):
    """One requirement of a standard, as data."""

    id: Identifier
    name: str = Field(description="中文 / English")
    quantity: Quantity
    unit: str = Field(default="", description="the standard's unit of max/min; converted once to canonical")
    max: float | None = None
    min: float | None = None
    state: str | None = Field(default=None, description="statistic state: the label that breaches")
    statistic: Statistic = Statistic.MEAN
    window: Seconds = Field(default=0.0, ge=0, description="averaging window; 0: the newest value")
    min_coverage: float = Field(default=0.75, gt=0, le=1, description="data a window needs to count")
    pending: Seconds = Field(default=0.0, ge=0, alias="for", description="breached this long before firing")
    keep_firing_for: Seconds = Field(default=0.0, ge=0)
    recover: float = Field(
        default=0.1, ge=0, description="hysteresis: a fraction of a max/min, absolute for a range"
    )
    scales_in_demo: bool = Field(default=True, description="demo_window_scale applies to window and for")
    season: Season = Season.ANY
    when: When = When.ALWAYS
    room_kinds: list[RoomKind] = Field(default_factory=list, description="only zones of these kinds")
    evacuation_route: bool | None = Field(default=None, description="only zones that are (not) one")
    severity: Severity = Severity.WARNING
    confidence: Confidence
    source: RuleSource

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        info = self.quantity.info
        if self.statistic is Statistic.STATE:
            if self.state not in info.states:
                raise InvalidValue(
                    f"状态无效 / unknown state {self.state!r} of {self.quantity.value}",
                    f"valid: {', '.join(info.states) or '(not a state quantity)'}",
                    key="state",
                )
            return self
        if self.max is None and self.min is None:
            raise InvalidValue("缺少限值 / a rule needs max, min or both", "add max: or min:", key="max")
        try:
            to_canonical(1.0, self.unit, self.quantity)
        except UnitError as exc:
            raise InvalidValue(
                str(exc), f"valid: {info.unit} or a unit convertible to it", key="unit"
            ) from exc
        return self


class StandardSpec(Strict):
    """One standard in one edition."""

    id: Identifier = Field(description="e.g. gb-t-18883-2022")
    code: str = Field(description="GB/T 18883-2022")
    title: str = Field(description="中文 / English")
    in_force: str = ""
    note: str = ""
    rules: Annotated[list[RuleSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise InvalidValue(f"规则 id 重复 / duplicate rule id {rule.id!r}", "ids must be unique")
            seen.add(rule.id)
        return self


def load_standards(folders: list[Path] | None = None) -> Mapping[str, StandardSpec]:
    """Standards by id from every `*.yaml` of `folders` (the shipped folder by default).

    Raises ConfigError naming each bad file's line; a later folder's standard replaces an earlier one.
    """
    standards: dict[str, StandardSpec] = {}
    issues: list[ConfigIssue] = []
    for folder in folders or [SHIPPED_STANDARDS]:
        for path in sorted(folder.glob("*.yaml")):
            try:
                spec = validate(StandardSpec, load_yaml(path))
            except ConfigError as exc:
                issues.extend(exc.issues)
                continue
            standards[spec.id] = spec
    if issues:
        raise ConfigError(issues)
    return standards
