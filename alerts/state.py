"""Alert states, the live status of one alert, and the transition record every change produces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class AlertState(StrEnum):
    """pending → firing → acknowledged → resolved; unknown while its data is stale or missing."""

    INACTIVE = "inactive"  # never stored or shown: the rule holds
    PENDING = "pending"  # breached, for less than the rule's `for`
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"  # firing, and someone said they are on it
    RESOLVED = "resolved"
    UNKNOWN = "unknown"  # the data to judge it is stale, offline or bad

    @property
    def active(self) -> bool:
        return self in {AlertState.PENDING, AlertState.FIRING, AlertState.ACKNOWLEDGED}

    @property
    def shown(self) -> bool:
        return self not in {AlertState.INACTIVE, AlertState.RESOLVED}


@dataclass(slots=True)
class AlertStatus:
    """What the engine keeps per alert between readings (and restores after a restart)."""

    state: AlertState = AlertState.INACTIVE
    since: float = 0.0  # epoch seconds of the last transition
    breach_since: float | None = None  # when the current breach began (pending timer)
    clear_since: float | None = None  # when the value recovered while firing (keep-firing timer)
    before_unknown: AlertState = AlertState.INACTIVE
    value: float | None = None
    acked_by: str | None = None
    acked_at: float | None = None
    comment: str = ""
    firings: list[float] = field(default_factory=list)  # recent times it started firing (flapping)
    flapping: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertStatus:
        data = dict(data)
        data["state"] = AlertState(data["state"])
        data["before_unknown"] = AlertState(data["before_unknown"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of one alert, with its evidence: the window's value, the limit and the rule's source."""

    ts: float
    key: str
    rule: str
    name: str
    subject: str
    zone: str | None
    state: AlertState
    previous: AlertState
    severity: str
    value: float | None = None
    unit: str = ""
    limit: str = ""
    statistic: str = ""
    window: float = 0.0
    standard: str = ""
    clause: str = ""
    wording: str = ""
    confidence: str = ""
    override_reason: str = ""
    user: str | None = None
    comment: str = ""
    note: str = ""  # why: "stale data", "outside opening hours", …
    silenced_by: tuple[str, ...] = field(default=())
    inhibited_by: str | None = None
    flapping: bool = False  # a firing of an alert already reported as flapping
    basis: str = ""  # how the value was obtained when not from the sensors alone (a survey)

    @property
    def muted(self) -> bool:
        """Whether a notifier should stay quiet (silenced, inhibited or flapping); it is recorded anyway."""
        return bool(self.silenced_by) or self.inhibited_by is not None or self.flapping

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.ts, UTC)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["time"] = self.time.isoformat()
        data["silenced_by"] = list(self.silenced_by)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transition:
        """The transition as `to_json` recorded it (the derived `time` is dropped)."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["state"], values["previous"] = AlertState(data["state"]), AlertState(data["previous"])
        values["silenced_by"] = tuple(data.get("silenced_by", ()))
        return cls(**values)
