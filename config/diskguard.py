"""`storage.disk_guard`: how much free space on the store's filesystem triggers which step.

Each threshold is a share of the filesystem ("10%") or an absolute size ("2GB", "500MB"); the guard
(storage/diskguard.py) acts when free space falls to or below it. The three must shrink in order —
warn above stop_low_priority above stop — when written in the same unit.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from config.errors import InvalidValue
from config.types import Seconds

_FREE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|B|KB|MB|GB|TB)\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
FREE_HINT = 'a share like "10%" or a size like "500MB", "2GB"'


class FreeSpace(BaseModel):
    """A free-space threshold: `share` of the filesystem (0–1) or `size` in bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float | None = None
    size: int | None = None

    def bytes_of(self, total: int) -> int:
        """The threshold in bytes on a filesystem of `total` bytes."""
        return int(total * self.share) if self.share is not None else int(self.size or 0)

    def __str__(self) -> str:
        return f"{self.share * 100:g}%" if self.share is not None else f"{self.size} B"


def parse_free(value: Any) -> Any:
    """`FreeSpace` from "10%", "500MB" or a bare number of bytes."""
    if isinstance(value, FreeSpace | dict):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return FreeSpace(size=value)
    match = _FREE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidValue(f"不是空间阈值 / not a free-space threshold: {value!r}", f"valid: {FREE_HINT}")
    number, unit = float(match.group(1)), match.group(2).upper()
    if unit == "%":
        if not 0 < number < 100:
            raise InvalidValue(f"百分比须在 0 与 100 之间 / share out of range: {value!r}", "e.g. 10%")
        return FreeSpace(share=number / 100)
    return FreeSpace(size=int(number * _UNITS[unit]))


Free = Annotated[FreeSpace, BeforeValidator(parse_free)]


class DiskGuardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    warn: Free = FreeSpace(share=0.10)
    stop_low_priority: Free = FreeSpace(share=0.05)
    stop: Free = FreeSpace(share=0.02)
    check_every: Seconds = Field(default=5.0, gt=0, le=300, description="seconds a measurement stays fresh")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        steps = [("warn", self.warn), ("stop_low_priority", self.stop_low_priority), ("stop", self.stop)]
        for (high_key, high), (low_key, low) in pairwise(steps):
            same_unit = (high.share is None) == (low.share is None)
            if same_unit and (high.share or high.size or 0) <= (low.share or low.size or 0):
                raise InvalidValue(
                    f"{high_key} ({high}) 须大于 / must be above {low_key} ({low})",
                    "warn > stop_low_priority > stop",
                    key=high_key,
                )
        return self
