"""The lock file beside the store that tells `anjing restore` whether a service has the store open.

A running service holds a shared `flock` on `<store>.lock` for as long as it runs; `anjing restore`
takes it exclusively, without waiting, before it replaces the file. flock (not SQLite's own locks)
because SQLite in WAL mode lets readers and writers coexist — an idle service holds no lock SQLite
would show — and because flock belongs to the open file: a process that dies, even by SIGKILL or a
power cut, leaves no stale lock behind, unlike a pid file.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self


class StoreBusyError(RuntimeError):
    """The lock is held the other way: a service runs on the store, or a restore replaces it."""


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


class StoreLock:
    """`flock` on `<store>.lock`, shared (a service) or exclusive (a restore); never waits."""

    def __init__(self, store: Path, *, exclusive: bool) -> None:
        self.path = lock_path(store)
        self._exclusive = exclusive
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # read-only and world-readable: a lock file root created (a restore) still opens for the service
        fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if self._exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if self._exclusive:
                raise StoreBusyError(
                    f"安境服务正在使用存储 / an Anjing service has the store open: {self.path} is locked"
                    " — stop it first (systemctl stop anjing)"
                ) from None
            raise StoreBusyError(
                f"存储正在恢复 / the store is being restored: {self.path} is locked — start after the restore"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
