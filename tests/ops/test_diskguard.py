"""The disk guard on a real, small filesystem (a tmpfs mounted for the test — CI runs as root):
alerts as free space shrinks, the outbox copy shed first, writes refused before the disk is full,
and a disk that does fill up leaves the store intact and every reading pending until space is freed.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from anjing.selfchecks import disk_checks
from config import ConfigError, load_site
from config.diskguard import DiskGuardConfig
from storage import ReadingStream, SqliteStore, StoreFullError, StoreWriter
from storage.diskguard import DiskGuard, DiskLevel
from tests.helpers import free_port, small_site
from tests.storage.helpers import series

MB = 1_000_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs: a real filesystem that fills up in a fraction of a second."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def take(folder: Path, name: str, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on `folder`'s filesystem."""
    stats = os.statvfs(folder)
    path = folder / name
    path.write_bytes(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return path


def outbox_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        conn.close()


async def test_warns_then_sheds_the_outbox_then_refuses_writes(small_disk: Path) -> None:
    config = DiskGuardConfig.model_validate(
        {"warn": "3MB", "stop_low_priority": "2MB", "stop": "1MB", "check_every": "1ms"}
    )
    guard = DiskGuard(small_disk, config)
    low, full = disk_checks(guard)
    store = await SqliteStore.open(small_disk / "anjing.db", outbox=True)
    store.disk_guard = guard
    try:
        await store.write(series("co2", 100))
        assert (guard.measure().level, low.probe(), full.probe()) == (DiskLevel.OK, None, None)

        take(small_disk, "filler-1", 2_500_000)
        await asyncio.sleep(0.002)
        await store.write(series("co2", 100, start=1000))
        assert guard.state().level is DiskLevel.WARN
        assert "warn 3000000 B" in (low.probe() or "")
        assert full.probe() is None
        assert outbox_rows(store.path) == 200  # still kept

        take(small_disk, "filler-2", 1_500_000)
        await asyncio.sleep(0.002)
        await store.write(series("co2", 100, start=2000))
        assert await store.count() == 300
        assert outbox_rows(store.path) == 200  # the low-priority copy is shed, the readings are stored
        assert "outbox copy shed" in (full.probe() or "")

        take(small_disk, "filler-3", 500_000)
        await asyncio.sleep(0.002)
        with pytest.raises(StoreFullError, match="writes paused"):
            await store.write(series("co2", 100, start=3000))
        assert "readings held" in (full.probe() or "")
        assert await store.count() == 300

        for name in ("filler-1", "filler-2", "filler-3"):
            (small_disk / name).unlink()
        await asyncio.sleep(0.002)
        await store.write(series("co2", 100, start=3000))
        assert (await store.count(), outbox_rows(store.path)) == (400, 300)
        assert (low.probe(), full.probe()) == (None, None)
    finally:
        await store.close()


async def test_a_full_disk_keeps_readings_pending_and_the_file_intact(small_disk: Path) -> None:
    """No guard: another program fills the disk. SQLite fails cleanly, the writer retries the batch."""
    store = await SqliteStore.open(small_disk / "anjing.db")
    stream = ReadingStream(capacity=200_000)
    writer = StoreWriter(
        stream, store, batch_size=2000, flush_interval=0.01, retry_delay=0.01, max_retry_delay=0.05
    )
    filler = take(small_disk, "filler", 600_000)
    task = asyncio.create_task(writer.run())
    try:
        for sensor in range(40):  # about 2.4 MB of readings and index: more than the disk has
            await stream.put(series(f"s{sensor}", 2000))
        for _ in range(500):
            if isinstance(writer.error, StoreFullError):
                break
            await asyncio.sleep(0.01)
        assert isinstance(writer.error, StoreFullError)
        assert stream.pending > 0
        filler.unlink()  # space is freed: the writer carries on by itself
        await stream.close()
        await asyncio.wait_for(task, 30)
    finally:
        task.cancel()
        await store.close()
    assert writer.error is None
    conn = sqlite3.connect(small_disk / "anjing.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM readings").fetchone() == (80_000,)
    conn.close()


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        ("{warn: 1%, stop: 5%}", "warn (1%) 须大于 / must be above stop_low_priority (5%)"),
        ("{warn: ten}", "not a free-space threshold: 'ten'"),
        ("{stop: 150%}", "share out of range"),
    ],
)
def test_bad_thresholds_name_the_line(tmp_path: Path, guard: str, message: str) -> None:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    text = config.read_text().replace(
        "sqlite: {path: data/test.db}", f"sqlite: {{path: data/test.db}}\n  disk_guard: {guard}"
    )
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_site(config)
    issues = "\n".join(str(issue) for issue in caught.value.issues)
    assert message in issues
    assert "site.yaml:" in issues
