"""Anjing watching itself (issue 11, part 3): checks raised as its own alerts when a part of the service
stops or stalls, the store cannot write, notifications keep failing, or the wall clock jumps.

Each is an `alerts.ServiceCheck` probed on every alert tick. They only read what the parts already
count (task states, the writer's error, the status board, the notifier's counters), so a check
costs microseconds and needs nothing of its own to be stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from alerts import ServiceCheck
from collectors import DeviceStatus
from config.standards import Severity

STORE_GRACE = 30.0  # seconds the store may keep failing (a busy lock, a retried write) before the alert
STALL_GRACE = 60.0  # seconds past a device's next poll, beyond three intervals, before its bus is stalled
FAILURE_STREAK = 5  # attempts a channel failed in a row, none delivered in between
CLOCK_JUMP = 60.0  # seconds the wall clock may move unlike the monotonic clock between two ticks
CLOCK_MEMORY = 3600.0  # seconds a clock jump keeps its alert firing


def part_check(parts: Callable[[], Mapping[str, str | None]]) -> ServiceCheck:
    """A long-running part (store writer, a collector, the alert loop, the notifier…) has stopped."""

    def probe() -> str | None:
        stopped = {name: why for name, why in parts().items() if why is not None}
        if not stopped:
            return None
        return "; ".join(f"{name}: {why}" for name, why in sorted(stopped.items()))

    return ServiceCheck(
        "part-stopped",
        "service",
        "服务组件已停止，需要重启 / a part of the service stopped: restart it",
        Severity.CRITICAL,
        probe,
    )


def store_check(error: Callable[[], object | None], grace: float = STORE_GRACE) -> ServiceCheck:
    """The store has refused writes for longer than STORE_GRACE (readings wait in memory meanwhile)."""
    since: list[float] = []

    def probe() -> str | None:
        failure = error()
        if failure is None:
            since.clear()
            return None
        since[:] = since or [time.monotonic()]
        waited = time.monotonic() - since[0]
        return None if waited < grace else f"{waited:.0f} s: {failure}"

    return ServiceCheck(
        "store-failing",
        "storage",
        "存储无法写入，读数暂存内存 / the store cannot write; readings wait in memory",
        Severity.CRITICAL,
        probe,
    )


def stall_check(devices: Callable[[], Iterable[tuple[DeviceStatus, float]]]) -> ServiceCheck:
    """Modbus devices whose next poll is long overdue: their bus's loop is stuck, not merely offline."""

    def probe() -> str | None:
        now = datetime.now(UTC)
        late = sorted(
            f"{status.bus}/{status.device}"
            for status, interval in devices()
            if status.next_poll is not None
            and (now - status.next_poll).total_seconds() > 3 * interval + STALL_GRACE
        )
        return f"轮询停滞 / polls overdue: {', '.join(late)}" if late else None

    return ServiceCheck(
        "collector-stalled", "modbus", "采集停滞 / a collector stalled", Severity.CRITICAL, probe
    )


def notify_check(counts: Callable[[], Mapping[str, Mapping[str, int]]]) -> ServiceCheck:
    """A channel whose last FAILURE_STREAK attempts all failed (the fallback receiver may still work)."""
    seen: dict[str, tuple[int, int]] = {}
    streaks: dict[str, int] = {}

    def probe() -> str | None:
        for channel, count in counts().items():
            sent, failed = count.get("sent", 0), count.get("failed", 0)
            before_sent, before_failed = seen.get(channel, (0, 0))
            seen[channel] = (sent, failed)
            if sent > before_sent:  # something got through: the streak is over
                streaks[channel] = 0
            else:
                streaks[channel] = streaks.get(channel, 0) + failed - before_failed
        failing = sorted(c for c, n in streaks.items() if n >= FAILURE_STREAK)
        return f"连续发送失败 / failing in a row: {', '.join(failing)}" if failing else None

    return ServiceCheck(
        "notify-failing", "notify", "通知持续发送失败 / notifications keep failing", Severity.CRITICAL, probe
    )


def clock_check(
    wall: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic
) -> ServiceCheck:
    """The wall clock moved unlike the monotonic clock (NTP step, a dead RTC battery after a power cut):
    timestamps of readings and records around it are suspect."""
    last: list[tuple[float, float]] = []
    jumped: list[tuple[float, float]] = []  # (monotonic time of the jump, its size in seconds)

    def probe() -> str | None:
        now, ticks = wall(), mono()
        if last:
            step = (now - last[0][0]) - (ticks - last[0][1])
            if abs(step) > CLOCK_JUMP:
                jumped[:] = [(ticks, step)]
        last[:] = [(now, ticks)]
        if not jumped or ticks - jumped[0][0] > CLOCK_MEMORY:
            return None
        size = jumped[0][1]
        return f"系统时钟{'前跳' if size > 0 else '后退'} {abs(size):.0f} 秒 / the clock jumped {size:+.0f} s"

    return ServiceCheck(
        "clock-jump", "service", "系统时钟跳变 / the system clock jumped", Severity.WARNING, probe
    )


def watch_checks(
    *,
    parts: Callable[[], Mapping[str, str | None]],
    store_error: Callable[[], object | None],
    polled: Callable[[], Iterable[tuple[DeviceStatus, float]]],
    notify_counts: Callable[[], Mapping[str, Mapping[str, int]]],
) -> list[ServiceCheck]:
    """Every self-watch check, over getters of the running service's state."""
    return [
        part_check(parts),
        store_check(store_error),
        stall_check(polled),
        notify_check(notify_counts),
        clock_check(),
    ]
