"""Small value types shared by the config models: durations written as "10s", "500ms", "5m", "1h"; ids."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from config.errors import InvalidValue

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_FACTOR = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"  # ids of zones, buses, devices, profiles and fields
DURATION_HINT = "a number and a unit, e.g. 500ms, 10s, 5m, 1h, 2d (a bare number is seconds)"


def parse_duration(value: Any) -> Any:
    """Seconds from `10s`, `500ms`, `5m`, `1h`, `2d` or a bare number of seconds."""
    if isinstance(value, bool):  # pydantic would take true as 1.0 s
        raise InvalidValue(f"不是时长 / not a duration: {value!r}", f"valid: {DURATION_HINT}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise InvalidValue(f"不是时长 / not a duration: {value!r}", f"valid: {DURATION_HINT}")
        return float(match.group(1)) * _FACTOR[match.group(2)]
    return value


Seconds = Annotated[float, BeforeValidator(parse_duration)]
