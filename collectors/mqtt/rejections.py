"""Rejected messages: counted per topic and reason on the device's status, logged at most once a minute."""

from __future__ import annotations

import logging
import time
from collections import Counter

from collectors.mqtt.errors import PayloadError
from collectors.status import DeviceStatus

log = logging.getLogger("collectors.mqtt")

LOG_EVERY = 60.0  # seconds between log lines of one topic and reason
MAX_TOPICS = 1000  # distinct topics counted per device; beyond, under "(other)" (a storm of random topics)


class Rejections:
    def __init__(self) -> None:
        self.total: Counter[str] = Counter()  # by reason
        self._logged: dict[tuple[str, str], tuple[float, int]] = {}  # → (last log time, suppressed since)

    def count(self, status: DeviceStatus, topic: str, error: PayloadError) -> None:
        reason = error.reason.value
        self.total[reason] += 1
        key = topic if topic in status.rejected or len(status.rejected) < MAX_TOPICS else "(other)"
        by_reason = status.rejected.setdefault(key, {})
        by_reason[reason] = by_reason.get(reason, 0) + 1
        status.last_error = f"{topic[:200]}: {error}"
        self._log(status.device, topic[:200], reason, str(error))

    def _log(self, device: str, topic: str, reason: str, text: str) -> None:
        now = time.monotonic()
        last, suppressed = self._logged.get((topic, reason), (-LOG_EVERY, 0))
        if now - last < LOG_EVERY:
            self._logged[topic, reason] = (last, suppressed + 1)
            return
        if len(self._logged) > 10 * MAX_TOPICS:
            self._logged.clear()
        self._logged[topic, reason] = (now, 0)
        more = f" (+{suppressed} more in the last minute)" if suppressed else ""
        log.warning("%s: 拒收消息 / message rejected on %s: %s%s", device, topic, text, more)
