"""How often the public may submit: per screen per minute, and site-wide per hour.

The kiosk has no login, so a screen is its address plus a token its browser keeps; a child pressing
every button, or a script rotating tokens, still meets the site-wide hourly cap. In memory: a restart
forgives everyone, which is harmless at these rates.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MINUTE, HOUR = 60.0, 3600.0


class RateLimited(Exception):
    """Too many submissions; `retry_after` is the seconds until one more is allowed."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class Limiter:
    def __init__(
        self, per_screen: int, per_hour: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_screen, self.per_hour, self._clock = per_screen, per_hour, clock
        self._screens: dict[str, deque[float]] = {}
        self._site: deque[float] = deque()

    def take(self, screen: str) -> None:
        """Count one submission from `screen`, or raise RateLimited and count nothing."""
        now = self._clock()
        for ident in [s for s, times in self._screens.items() if not times or times[-1] <= now - MINUTE]:
            del self._screens[ident]  # forget quiet screens: the map stays small
        mine = self._screens.setdefault(screen, deque())
        _expire(mine, now - MINUTE)
        _expire(self._site, now - HOUR)
        if len(mine) >= self.per_screen:
            raise RateLimited(mine[0] + MINUTE - now)
        if len(self._site) >= self.per_hour:
            raise RateLimited(self._site[0] + HOUR - now)
        mine.append(now)
        self._site.append(now)


def _expire(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()
