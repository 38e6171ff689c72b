"""Backing up and restoring the site's SQLite file (`anjing backup`, `anjing restore`).

A backup uses SQLite's online backup API: it copies the pages inside one read transaction, so the
copy is the store as it was at one commit, while the service keeps writing (WAL lets a reader and the
writer work at once). The copy is written under a temporary name, switched to a single-file journal,
checked with `PRAGMA integrity_check`, flushed to disk and only then renamed to its final,
timestamped name — a crash mid-backup leaves a `.partial` file, never a damaged backup.

A restore refuses while a service holds the store (anjing/storelock.py), checks the backup's
integrity and schema version first, and keeps the file it replaces beside it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from anjing.storelock import StoreBusyError, StoreLock
from storage.migrations import SCHEMA_VERSION

STAMP = "%Y%m%dT%H%M%S"


class BackupError(RuntimeError):
    """A backup or restore that was not done; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    schema_version: int
    removed: tuple[Path, ...] = ()  # older backups deleted by the retention


def backup(store: Path, target: Path, *, keep: int | None = None, now: datetime | None = None) -> Backup:
    """Copy `store` to `target`: a file, or a folder that gets `<stem>-<UTC time>.db` and keeps `keep`."""
    if not store.is_file():
        raise BackupError(f"存储文件不存在 / no store file at {store} — check storage.sqlite.path")
    if keep is not None and keep < 1:
        raise BackupError("--keep 至少为 1 / --keep must be at least 1")
    folder_mode = target.is_dir() or not target.suffix
    if keep is not None and not folder_mode:
        raise BackupError(f"--keep 需要目标为文件夹 / --keep needs a folder as target, not the file {target}")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    final = target / _name(store, moment) if folder_mode else target
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        version = _copy(store, partial)
        _fsync(partial)
        os.replace(partial, final)
        _fsync(final.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    removed = _prune(final.parent, store.stem, keep) if keep is not None else ()
    return Backup(final, final.stat().st_size, version, removed)


def restore(store: Path, source: Path, *, now: datetime | None = None) -> Path | None:
    """Replace `store` by the backup `source`; return where the replaced file was kept (None: there was none)."""
    if not source.is_file():
        raise BackupError(f"备份文件不存在 / no backup file at {source}")
    check(source)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    aside = store.with_name(f"{store.name}.replaced-{moment.strftime(STAMP)}Z")
    try:
        with StoreLock(store, exclusive=True):
            replaced = store.exists()
            partial = store.with_name(f".{store.name}.restoring")
            shutil.copyfile(source, partial)
            _fsync(partial)
            if replaced:
                _take_owner_and_mode(partial, store)
                os.replace(store, aside)
                wal = store.with_name(store.name + "-wal")  # what an unclean stop left goes with its file
                if wal.exists():
                    os.replace(wal, aside.with_name(aside.name + "-wal"))
            store.with_name(store.name + "-shm").unlink(missing_ok=True)
            os.replace(partial, store)
            _fsync(store.parent)
    except StoreBusyError as exc:
        raise BackupError(str(exc)) from None
    return aside if replaced else None


def check(path: Path) -> int:
    """The schema version of a backup that passes `integrity_check` and that this Anjing can open."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            (version,) = conn.execute("PRAGMA user_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"不是可读的数据库 / {path} is not a readable database: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"备份已损坏 / {path} fails the integrity check: {'; '.join(problems[:5])}")
    if version == 0:
        raise BackupError(f"不是安境的存储 / {path} is not an Anjing store (schema version 0)")
    if version > SCHEMA_VERSION:
        raise BackupError(
            f"备份来自更新版本的安境 / {path} has schema version {version}, this Anjing knows up to "
            f"{SCHEMA_VERSION} — upgrade Anjing first"
        )
    return int(version)


def _copy(store: Path, partial: Path) -> int:
    source = sqlite3.connect(store)  # read-write open, reads only: read-only cannot join a WAL file
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one read transaction, one consistent moment
            copy.execute("PRAGMA journal_mode = DELETE").fetchone()  # one self-contained file
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份失败 / backup of {store} failed: {exc}") from None
    finally:
        source.close()
    return check(partial)


def _name(store: Path, moment: datetime) -> str:
    return f"{store.stem}-{moment.strftime(STAMP)}.{moment.microsecond // 1000:03d}Z.db"


def _prune(folder: Path, stem: str, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest `keep` backups of `stem` in `folder` (the names sort by time)."""
    pattern = re.compile(rf"^{re.escape(stem)}-\d{{8}}T\d{{6}}\.\d{{3}}Z\.db$")
    ours = sorted(path for path in folder.iterdir() if pattern.match(path.name))
    old = tuple(ours[:-keep])
    for path in old:
        path.unlink()
    return old


def _take_owner_and_mode(new: Path, old: Path) -> None:
    """Give `new` the owner and mode of `old`: root restoring the service's file must not leave it
    owned by root, which the service could then not write."""
    stats = old.stat()
    if (stats.st_uid, stats.st_gid) != (os.geteuid(), os.getegid()):
        os.chown(new, stats.st_uid, stats.st_gid)
    new.chmod(stat.S_IMODE(stats.st_mode))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
