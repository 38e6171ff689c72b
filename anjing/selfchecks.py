"""The alerts Anjing raises about itself, built from the parts the runtime runs (`alerts.selfcheck`).

The store's free disk space (storage/diskguard.py), and the InfluxDB outbox: a backlog that keeps
growing, readings dropped at the caps, and credentials InfluxDB refuses. Each probe reads live
statistics on every alert tick.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alerts import ServiceCheck
from config.standards import Severity
from storage.diskguard import DiskGuard, DiskLevel
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


def disk_checks(guard: DiskGuard) -> list[ServiceCheck]:
    """Free space on the store's filesystem: a warning first, critical once data is shed or refused."""
    return [
        ServiceCheck(
            "disk-low",
            "storage",
            "存储磁盘空间不足 / little disk space left for the store",
            Severity.WARNING,
            lambda: _disk(guard, DiskLevel.WARN),
        ),
        ServiceCheck(
            "disk-full",
            "storage",
            "存储磁盘将满，已停止部分写入 / store disk nearly full, writes being refused",
            Severity.CRITICAL,
            lambda: _disk(guard, DiskLevel.SHED),
        ),
    ]


def _disk(guard: DiskGuard, at: DiskLevel) -> str | None:
    state = guard.state()
    if state.level < at:
        return None
    config = guard.config
    done = {
        DiskLevel.WARN: f"低于 / at or below warn {config.warn}",
        DiskLevel.SHED: f"不再写入 InfluxDB 外发队列 / InfluxDB outbox copy shed (≤ {config.stop_low_priority})",
        DiskLevel.STOP: f"暂停写入读数，保留待写 / readings held, not written (≤ {config.stop})",
    }[state.level]
    return f"{guard.folder}: {state.describe()}; {done}"


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
