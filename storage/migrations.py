"""The SQLite schema as an ordered list of steps; `PRAGMA user_version` counts the steps a file has run.

Steps are appended, never edited: a file at version n has run steps 1…n, so a newer Anjing runs only
the steps after n. All pending steps and the version bump commit together, or not at all.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.connection import transaction
from storage.errors import StoreSchemaError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the initial schema. ts is milliseconds since the Unix epoch (UTC).
    (
        "CREATE TABLE series (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL UNIQUE, quantity TEXT NOT NULL)",
        """CREATE TABLE readings (
            series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, state TEXT,
            PRIMARY KEY (series, ts)
        ) WITHOUT ROWID""",
        # the newest reading of each series, kept in step with `readings` by every write
        """CREATE TABLE latest (
            series INTEGER PRIMARY KEY, ts INTEGER NOT NULL, value REAL, quality INTEGER NOT NULL, state TEXT
        )""",
    ),
    # 2: the InfluxDB outbox (storage/outbox.py): readings stored but not yet acknowledged by InfluxDB,
    # and the lines InfluxDB refused as bad data, kept with its reason.
    (
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, series INTEGER NOT NULL, ts INTEGER NOT NULL)",
        """CREATE TABLE outbox_quarantine (
            id INTEGER PRIMARY KEY, at INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL,
            line TEXT NOT NULL
        )""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Run the steps `conn`'s file has not run yet; refuse a file from a newer version.

    The version is read inside the write transaction, so two processes opening a new file at once
    cannot both create the tables.
    """
    with transaction(conn):
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreSchemaError(
                path, f"文件版本 / file schema version {version}, this Anjing knows up to {SCHEMA_VERSION}"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in step:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
