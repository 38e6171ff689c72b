"""Why an MQTT message (or one value of it) was rejected. aiomqtt's own errors stay in `client.py`.

PayloadError (ValueError)   a message or one of its values cannot become a reading: `.reason`, `.detail`

Rejections are counted per topic and reason (`Reason`), logged at most once a minute per topic and
reason, and the last one is shown by the API; the collector never stops for one.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    UNKNOWN_TOPIC = "unknown_topic"  # matches no subscription's template
    UNKNOWN_DEVICE = "unknown_device"  # the {device} part is not in the subscription's devices
    OVERSIZED = "oversized"  # larger than mqtt.max_payload
    MALFORMED = "malformed"  # not JSON, not a JSON object, not a number
    MISSING_FIELD = "missing_field"  # none of the mapped fields is in the payload
    WRONG_TYPE = "wrong_type"  # text or a list where a number is mapped
    NOT_FINITE = "not_finite"  # NaN or ±Infinity
    UNKNOWN_STATE = "unknown_state"  # a value the field's states do not name
    IMPLAUSIBLE = "implausible"  # outside the quantity's physical range (not merely the device's)
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"  # further ahead than mqtt.max_clock_skew


class PayloadError(ValueError):
    def __init__(self, reason: Reason, detail: str, *, device: str | None = None) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.device = device  # None until the topic names a known device
