"""Who a receiver id means now (`on-duty` through the rota) and when a receiver may be told (quiet hours)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from config.notify import ON_DUTY, WEEKDAYS, Notify, Receiver, in_span

_STEP = timedelta(minutes=1)


class Directory:
    def __init__(self, config: Notify, tz: ZoneInfo) -> None:
        self._config = config
        self._receivers = {r.id: r for r in config.receivers}
        self._tz = tz

    def resolve(self, ident: str, now: float) -> Receiver | None:
        """The receiver `ident` names at `now`: `on-duty` is the first rota shift covering the hour."""
        if ident != ON_DUTY:
            return self._receivers[ident]
        local = datetime.fromtimestamp(now, self._tz)
        for shift in self._config.rota:
            if WEEKDAYS[local.weekday()] in shift.days and in_span(shift.hours, local.time()):
                return self._receivers[shift.receiver]
        return None

    def release(self, receiver: Receiver, severity: str, now: float) -> float:
        """When a notice for `receiver` may be sent: now, or the end of its quiet hours (not for critical)."""
        if receiver.quiet_hours is None or severity == "critical":
            return now
        local = datetime.fromtimestamp(now, self._tz).replace(second=0, microsecond=0)
        if not in_span(receiver.quiet_hours, local.time()):
            return now
        for _ in range(24 * 60):  # minute by minute: a quiet span is at most a day, and DST-proof
            local += _STEP
            if not in_span(receiver.quiet_hours, local.time()):
                return local.timestamp()
        return now  # "00:00-24:00": never quiet in practice, send rather than hold for ever
