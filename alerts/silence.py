"""Silences and maintenance windows: matchers on an alert's labels over a time span, with who and why.

A silenced alert still changes state and is recorded; only its notifications stay quiet. A
maintenance window is a silence whose `kind` says so, so reports can tell planned work from muting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from alerts.rules.bind import Binding

MATCHER_KEYS = ("rule", "subject", "zone", "severity", "standard")


class SilenceKind(StrEnum):
    SILENCE = "silence"
    MAINTENANCE = "maintenance"


def labels(binding: Binding) -> dict[str, str]:
    return {
        "rule": binding.rule_id,
        "subject": binding.subject,
        "zone": binding.zone or "",
        "severity": binding.severity.value,
        "standard": binding.standard,
    }


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: dict[str, str]  # label → exact value; every one must match
    start: float
    end: float
    reason: str
    created_by: str
    created_at: float
    kind: SilenceKind = SilenceKind.SILENCE

    def __post_init__(self) -> None:
        unknown = set(self.matchers) - set(MATCHER_KEYS)
        if unknown or not self.matchers:
            raise ValueError(
                f"matchers need one or more of {', '.join(MATCHER_KEYS)}; unknown: {sorted(unknown)}"
            )
        if self.end <= self.start:
            raise ValueError("a silence ends after it starts")

    def mutes(self, binding: Binding, now: float) -> bool:
        if not self.start <= now < self.end:
            return False
        have = labels(binding)
        return all(have[key] == value for key, value in self.matchers.items())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Silence:
        return cls(**{**data, "kind": SilenceKind(data["kind"])})
