"""Disk and file failures become typed StoreErrors that name the file, and leave the store intact."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage import (
    SqliteStore,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreSchemaError,
    StoreUnavailableError,
)
from tests.storage.helpers import SMALL, at, fill, reading, series


async def test_a_full_store_raises_and_stores_none_of_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "anjing.db"
    store = await SqliteStore.open(path, max_bytes=SMALL)
    try:
        written = await fill(store)
        before = await store.latest()

        with pytest.raises(StoreFullError) as caught:
            await store.write([reading(10**7, sensor="new"), *series("old", 1000, start=10**8)])

        assert await store.count() == written
        assert await store.latest() == before
        assert isinstance(caught.value, StoreUnavailableError)
        message = str(caught.value)
        assert message.startswith("存储空间已满")
        assert str(path) in message
        assert "store full" in message
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_freeing_space_lets_writes_resume(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "anjing.db", max_bytes=SMALL)
    try:
        await fill(store)
        await store.purge(at(10**9))

        await store.write(series("new", 500, start=10**9))

        assert await store.count() == 500
    finally:
        await store.close()


async def test_a_folder_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    path = tmp_path / "taken" / "anjing.db"

    with pytest.raises(StoreUnavailableError) as caught:
        await SqliteStore.open(path)

    assert str(path) in str(caught.value)


async def test_a_folder_in_place_of_the_file_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "anjing.db").mkdir()

    with pytest.raises(StoreUnavailableError, match="unable to open"):
        await SqliteStore.open(tmp_path / "anjing.db")


async def test_a_file_that_is_not_a_database_is_reported_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "anjing.db"
    path.write_bytes(b"not sqlite " * 1000)

    with pytest.raises(StoreCorruptError, match="not a database"):
        await SqliteStore.open(path)

    assert path.read_bytes() == b"not sqlite " * 1000  # left as found


async def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "anjing.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(StoreSchemaError, match="99") as caught:
        await SqliteStore.open(path)

    assert isinstance(caught.value, StoreError)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
