"""A single timestamped value of one sensor, with its quality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sensors.quantities import Quantity


class Quality(StrEnum):
    """Whether a value can be trusted; a dashboard shows it, never a bad number as if good."""

    GOOD = "good"
    BAD = "bad"  # fault code, undecodable or unknown state: the value is not a measurement
    STALE = "stale"  # the last value of a sensor that has since stopped answering
    OUT_OF_RANGE = "out_of_range"  # decoded but outside the device's measuring range


@dataclass(frozen=True, slots=True)
class Reading:
    """One sample. `value` is in the quantity's canonical unit (the state's index for state quantities)."""

    sensor: str
    quantity: Quantity
    value: float | None
    ts: datetime
    quality: Quality = Quality.GOOD
    state: str | None = None

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:  # caught where it is made, not when it stalls the store writer
            raise ValueError(f"reading of {self.sensor}: timestamp {self.ts} has no timezone")
