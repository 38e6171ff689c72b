"""The tables a part keeps in the site's file (alerts, notifications) carry their own version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.connection import own_tables
from storage.errors import StoreSchemaError

SCHEMA = ("CREATE TABLE IF NOT EXISTS x_meta (version INTEGER NOT NULL)", "CREATE TABLE IF NOT EXISTS x (a)")


def test_created_once_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "site.db", isolation_level=None)
    own_tables(conn, SCHEMA, "x_meta", 1)
    own_tables(conn, SCHEMA, "x_meta", 1)  # opening again changes nothing
    assert conn.execute("SELECT version FROM x_meta").fetchall() == [(1,)]
    with pytest.raises(StoreSchemaError, match="x_meta: tables at version 1, this Anjing knows 0"):
        own_tables(conn, SCHEMA, "x_meta", 0)
    conn.close()
