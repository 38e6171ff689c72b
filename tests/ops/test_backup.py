"""`anjing backup` and `anjing restore` on real SQLite files, while a real Runtime writes."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anjing.backup import BackupError, backup, check, restore
from anjing.cli import app
from anjing.runtime import Runtime, StartupError
from anjing.storelock import StoreLock
from config import load_site
from storage.migrations import SCHEMA_VERSION
from tests.helpers import free_port, small_site

Rows = set[tuple[int, int, float | None]]


def rows(path: Path) -> Rows:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT series, ts, value FROM readings"))
    finally:
        conn.close()


def site_file(tmp_path: Path) -> Path:
    return small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll="100ms",
        extra="""
        simulator: {enabled: true, seed: 5}
        """,
    ).resolve()


async def wait_stored(runtime: Runtime, at_least: int) -> None:
    for _ in range(200):
        if runtime.stored >= at_least:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"only {runtime.stored} readings stored")


async def test_backup_while_writing_holds_every_reading_up_to_its_moment(tmp_path: Path) -> None:
    site = load_site(site_file(tmp_path))
    store = tmp_path / "data" / "test.db"
    async with Runtime(site) as runtime:
        await wait_stored(runtime, 50)
        before = await asyncio.to_thread(rows, store)  # committed before the backup starts
        done = await asyncio.to_thread(backup, store, tmp_path / "backups")
        after = await asyncio.to_thread(rows, store)
        await wait_stored(runtime, runtime.stored + 20)  # the service kept writing
        with pytest.raises(BackupError, match="stop it first"):
            restore(store, done.path)
    copied = rows(done.path)
    assert before <= copied <= after
    assert check(done.path) == SCHEMA_VERSION
    assert done.path.parent == tmp_path / "backups"
    assert done.path.name.startswith("test-")
    assert done.path.name.endswith("Z.db")
    assert not list(done.path.parent.glob(".*partial"))
    conn = sqlite3.connect(done.path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    conn.close()

    stored = rows(store)
    assert len(stored) > len(copied)
    aside = restore(store, done.path)
    assert aside is not None
    assert rows(store) == copied
    assert rows(aside) == stored  # the replaced file is kept
    site_after = load_site(site.path)  # and the service opens the restored file
    async with Runtime(site_after) as runtime:
        await wait_stored(runtime, 10)
    assert copied < rows(store)


async def test_a_service_does_not_start_during_a_restore(tmp_path: Path) -> None:
    site = load_site(site_file(tmp_path))
    with (
        StoreLock(tmp_path / "data" / "test.db", exclusive=True),
        pytest.raises(StartupError, match="restored"),
    ):
        await Runtime(site).__aenter__()


def test_retention_keeps_the_newest_n(tmp_path: Path) -> None:
    store = tmp_path / "anjing.db"
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE readings (series, ts, value)")
    conn.close()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    folder = tmp_path / "备份 #1?"  # characters a file: URI must escape
    made = [backup(store, folder, keep=3, now=start + timedelta(days=day)) for day in range(5)]
    kept = sorted((folder).iterdir())
    assert kept == [m.path for m in made[-3:]]
    assert made[-1].removed == (made[1].path,)
    (folder / "notes.txt").write_text("not a backup")  # other files are never touched
    backup(store, folder, keep=1, now=start + timedelta(days=9))
    assert sorted(p.name for p in (folder).iterdir()) == [
        "anjing-20261110T000000.000Z.db",
        "notes.txt",
    ]


def test_restore_keeps_the_owner_and_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    store, source = tmp_path / "anjing.db", tmp_path / "backup.db"
    for path in (store, source):
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 1")
        conn.close()
    store.chmod(0o640)
    if os.geteuid() == 0:  # as root restores the service's file (CI runs as root)
        os.chown(store, 4242, 4243)
    owner = (store.stat().st_uid, store.stat().st_gid)
    restore(store, source)
    assert (store.stat().st_uid, store.stat().st_gid) == owner
    assert stat.S_IMODE(store.stat().st_mode) == 0o640


def test_restore_refuses_damaged_foreign_and_newer_files(tmp_path: Path) -> None:
    store = tmp_path / "anjing.db"
    store.write_bytes(b"")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}").connection.close()
    for source, reason in (
        (garbage, "not a readable"),
        (foreign, "not an Anjing"),
        (newer, "upgrade Anjing"),
    ):
        with pytest.raises(BackupError, match=reason):
            restore(store, source)
    assert store.read_bytes() == b""  # untouched


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    config = site_file(tmp_path)
    store = tmp_path / "data" / "test.db"
    store.parent.mkdir()
    conn = sqlite3.connect(store)
    for statement in ("PRAGMA user_version = 1", "CREATE TABLE readings (series, ts, value)"):
        conn.execute(statement)
    conn.execute("INSERT INTO readings VALUES (1, 2, 3.0)")
    conn.commit()
    conn.close()
    runner = CliRunner()  # in-process: the same code as the `anjing` command, without a second interpreter
    made = runner.invoke(app, ["backup", "--config", str(config), "--to", str(tmp_path / "one.db")])
    assert made.exit_code == 0, made.output
    assert "integrity ok" in made.output
    store.unlink()
    back = runner.invoke(app, ["restore", "--config", str(config), str(tmp_path / "one.db")])
    assert back.exit_code == 0, back.output
    assert "kept as" not in back.output  # there was no file to keep
    assert rows(store) == {(1, 2, 3.0)}
    conn = sqlite3.connect(store)
    audit = conn.execute("SELECT actor, action, target FROM auth_audit").fetchall()
    conn.close()
    assert [(action, target) for _, action, target in audit] == [("store.restore", str(store))]
    assert audit[0][0].startswith("cli:")
    missing = runner.invoke(app, ["restore", "--config", str(config), str(tmp_path / "none.db")])
    assert missing.exit_code == 1
    assert "no backup file" in missing.output
