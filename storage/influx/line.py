"""InfluxDB line protocol, written by hand: escaping per element, one typed field value per Python type.

`measurement,tag=v,… field=v,… ts`. Measurements escape commas and spaces; tag keys, tag values and
field keys also escape `=`; string field values escape `"` and `\\`. Line breaks are not allowed in
names or tags, so they become spaces, and a trailing backslash is cut; an empty tag is left out (InfluxDB refuses it), and so is a
NaN or infinite float (no line protocol can carry one). Checked against InfluxDB 1.6.7's parser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

FieldValue = float | int | bool | str

_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\ ", "\r": r"\ "})
_KEY = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\ ", "\r": r"\ "})
_STRING = str.maketrans({'"': r"\"", "\\": "\\\\"})


def _tag(text: str) -> str:
    # a trailing backslash would escape the separator after it
    return text.rstrip("\\").translate(_KEY)


def field_value(value: FieldValue) -> str | None:
    """The value as line protocol writes it, or None when it has no representation (NaN, ±inf)."""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return f'"{value.translate(_STRING)}"'


def encode_series(measurement: str, tags: Mapping[str, str]) -> str:
    """The line's head: measurement and tags, sorted by key (as InfluxDB stores them), empty tags left out."""
    pairs = ((_tag(k), _tag(v)) for k, v in sorted(tags.items()))
    return measurement.rstrip("\\").translate(_MEASUREMENT) + "".join(
        f",{k}={v}" for k, v in pairs if k and v
    )


def encode_fields(fields: Mapping[str, FieldValue]) -> str | None:
    """The field set, or None when no field can be written."""
    encoded = ((_tag(k), field_value(v)) for k, v in fields.items())
    return ",".join(f"{k}={v}" for k, v in encoded if v is not None) or None


def encode_line(
    measurement: str, tags: Mapping[str, str], fields: Mapping[str, FieldValue], ts: int
) -> str | None:
    """One line; None when no field can be written."""
    written = encode_fields(fields)
    return None if written is None else f"{encode_series(measurement, tags)} {written} {ts}"
