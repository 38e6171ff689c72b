"""The alerts Anjing raises about itself, built from the parts the runtime runs (`alerts.selfcheck`).

For now the InfluxDB outbox: a backlog that keeps growing, readings dropped at the caps, and
credentials InfluxDB refuses. Each probe reads the forwarder's live statistics on every alert tick.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alerts import ServiceCheck
from config.standards import Severity
from storage.influx import ForwarderState, OutboxStats

DROP_MEMORY = 3600.0  # seconds an outbox drop keeps its alert firing after the last dropped reading

Stats = Callable[[], OutboxStats | None]


def outbox_checks(stats: Stats) -> list[ServiceCheck]:
    return [
        ServiceCheck(
            "outbox-growing",
            "influxdb",
            "InfluxDB 外发队列持续增长 / InfluxDB outbox keeps growing",
            Severity.WARNING,
            lambda: _growing(stats()),
        ),
        ServiceCheck(
            "outbox-dropping",
            "influxdb",
            "InfluxDB 外发队列已满，丢弃最旧读数 / InfluxDB outbox full, oldest readings dropped",
            Severity.CRITICAL,
            _DropWatch(stats),
        ),
        ServiceCheck(
            "influx-auth",
            "influxdb",
            "InfluxDB 拒绝凭据 / InfluxDB refuses the credentials",
            Severity.CRITICAL,
            lambda: _auth_failed(stats()),
        ),
    ]


def _growing(stats: OutboxStats | None) -> str | None:
    if stats is None or not stats.growing:
        return None
    age = f", oldest {stats.oldest_age / 60:.0f} min" if stats.oldest_age is not None else ""
    return f"外发队列 {stats.depth} 条 / outbox at {stats.depth} readings{age}: {stats.last_error or 'still growing'}"


def _auth_failed(stats: OutboxStats | None) -> str | None:
    if stats is None or stats.state is not ForwarderState.AUTH_FAILED:
        return None
    return (
        f"转发暂停，读数保留在外发队列 / forwarding paused, readings kept in the outbox: {stats.last_error}"
    )


class _DropWatch:
    """Fires while readings were dropped within the last DROP_MEMORY seconds (the counter only grows)."""

    def __init__(self, stats: Stats) -> None:
        self._stats = stats
        self._seen: int | None = None
        self._last_drop: float | None = None

    def __call__(self) -> str | None:
        stats = self._stats()
        if stats is None:
            return None
        now = time.monotonic()
        if self._seen is not None and stats.dropped > self._seen:
            self._last_drop = now
        self._seen = stats.dropped
        if self._last_drop is None or now - self._last_drop > DROP_MEMORY:
            return None
        return f"已丢弃 {stats.dropped} 条（本地存储仍保留）/ {stats.dropped} readings dropped from the outbox (still in the local store)"
