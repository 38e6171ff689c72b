"""`DiskGuard`: free space on the store's filesystem, and what the store stops doing as it shrinks.

Steps, from `storage.disk_guard` (config/diskguard.py):

- WARN: free space at or below `warn` — an alert (anjing/selfchecks.py), nothing else changes;
- SHED: at or below `stop_low_priority` — the InfluxDB outbox copy of new readings is no longer
  kept. It is the low-priority data: a second copy of what the store keeps anyway, and the one that
  grows without bound while InfluxDB is away. The readings themselves, alerts, users and audit go on;
- STOP: at or below `stop` — the store refuses new batches with `StoreFullError` before SQLite meets
  a full disk. The writer keeps them pending and retries (storage/writer.py), the bounded stream
  slows the collectors down, and writing resumes by itself once space is freed. Stopping early
  leaves room for the WAL checkpoint, the alert and audit tables and a backup.

A disk that fills up anyway (another program) is still safe: SQLite rolls the transaction back and
the writer retries the same batch — the guard only makes it happen earlier and louder.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from config.diskguard import DiskGuardConfig
from storage.errors import StoreFullError


class DiskLevel(IntEnum):
    OK = 0
    WARN = 1
    SHED = 2
    STOP = 3


@dataclass(frozen=True, slots=True)
class DiskState:
    free: int  # bytes available to an unprivileged writer
    total: int
    level: DiskLevel

    def describe(self) -> str:
        share = self.free / self.total * 100 if self.total else 0.0
        return f"剩余 / free {self.free / 1e6:.0f} MB ({share:.1f}%)"


class DiskGuard:
    """Measures the filesystem holding `folder` at most every `check_every` seconds."""

    def __init__(self, folder: Path, config: DiskGuardConfig) -> None:
        self.folder = folder
        self.config = config
        self._state: DiskState | None = None
        self._measured = 0.0

    def state(self) -> DiskState:
        now = time.monotonic()
        if self._state is None or now - self._measured >= self.config.check_every:
            self._state = self.measure()
            self._measured = now
        return self._state

    def measure(self) -> DiskState:
        """Measure now (statvfs), bypassing the cache."""
        stats = os.statvfs(_existing(self.folder))
        free, total = stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize
        config = self.config
        level = DiskLevel.OK
        for step, threshold in (
            (DiskLevel.WARN, config.warn),
            (DiskLevel.SHED, config.stop_low_priority),
            (DiskLevel.STOP, config.stop),
        ):
            if free <= threshold.bytes_of(total):
                level = step
        return DiskState(free, total, level)

    def admit(self, store: Path) -> bool:
        """Before a write: raise `StoreFullError` at STOP; True when low-priority data is to be shed."""
        state = self.state()
        if state.level is DiskLevel.STOP:
            raise StoreFullError(
                store,
                f"{state.describe()} ≤ stop {self.config.stop}: 暂停写入 / writes paused until space is freed",
            )
        return state.level >= DiskLevel.SHED


def _existing(folder: Path) -> Path:
    """The folder, or its nearest existing parent (the store's folder is created on first open)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
