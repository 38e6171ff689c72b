"""Our own send budgets, applied before a request leaves: providers punish bursts (a WeCom robot
is muted for a while after 20 messages a minute; SMS gateways refuse the same text to a phone
within 30 s and cap each phone per day), so holding a message back with `retry_after` is better
than spending the provider's patience.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

DAY_OFFSET = 8 * 3600.0  # the providers' daily caps reset at midnight China Standard Time (UTC+8)


class RollingLimiter:
    """At most `capacity` messages in any rolling `window` seconds."""

    def __init__(self, capacity: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = capacity
        self._window = window
        self._clock = clock
        self._sent: deque[float] = deque()

    def reserve(self, count: int = 1) -> float | None:
        """Take `count` slots now and return None, or take none and return the seconds to wait."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        if len(self._sent) + count <= self._capacity:
            self._sent.extend([now] * count)
            return None
        return self._sent[len(self._sent) + count - self._capacity - 1] + self._window - now


class PhoneBudget:
    """Per phone: the same content at most once per `repeat_after` seconds, at most `daily_cap` a day."""

    def __init__(
        self, *, repeat_after: float, daily_cap: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._repeat_after = repeat_after
        self._daily_cap = daily_cap
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}  # (phone, content) → when last sent
        self._day = -1
        self._count: dict[str, int] = {}  # phone → messages sent today

    def check(self, phone: str, content: str) -> float | None:
        """None when `phone` may receive `content` now, else the seconds until it may."""
        now = self._clock()
        day = int((now + DAY_OFFSET) // 86400)
        if day != self._day:
            self._day, self._count = day, {}
            self._last = {key: at for key, at in self._last.items() if at > now - self._repeat_after}
        if self._count.get(phone, 0) >= self._daily_cap:
            return (day + 1) * 86400 - DAY_OFFSET - now
        last = self._last.get((phone, content))
        if last is not None and now - last < self._repeat_after:
            return last + self._repeat_after - now
        return None

    def spend(self, phone: str, content: str) -> None:
        """Count a message the provider accepted for `phone`."""
        self._last[(phone, content)] = self._clock()
        self._count[phone] = self._count.get(phone, 0) + 1
