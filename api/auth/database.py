"""The auth tables in the site's SQLite file (`auth_*`, own schema version), on a connection of their own.

Users, tokens, sessions and login failures change; the audit log only grows: triggers refuse any
UPDATE or DELETE of `auth_audit`, so a record can be corrected only by a new one. The API stays
stateless over this file, so several API processes over one store share logins.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.connection import ThreadConnection, own_tables

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS auth_meta (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS auth_users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL, display TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, password_changed REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS auth_tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, owner TEXT NOT NULL REFERENCES auth_users (name),
        name TEXT NOT NULL, scopes TEXT NOT NULL, created REAL NOT NULL, expires REAL,
        revoked REAL, last_used REAL
    )""",
    """CREATE TABLE IF NOT EXISTS auth_sessions (
        hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES auth_users (name), created REAL NOT NULL,
        seen REAL NOT NULL, address TEXT, csrf TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS auth_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, user TEXT NOT NULL, address TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS auth_failures_user ON auth_failures (user, ts)",
    "CREATE INDEX IF NOT EXISTS auth_failures_address ON auth_failures (address, ts)",
    """CREATE TABLE IF NOT EXISTS auth_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, actor TEXT NOT NULL, via TEXT NOT NULL,
        address TEXT, action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,
        before TEXT, after TEXT, detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS auth_audit_ts ON auth_audit (ts)",
    """CREATE TRIGGER IF NOT EXISTS auth_audit_no_update BEFORE UPDATE ON auth_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS auth_audit_no_delete BEFORE DELETE ON auth_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)


def _setup(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    own_tables(conn, _SCHEMA, "auth_meta", SCHEMA_VERSION)


async def open_auth_db(path: Path) -> ThreadConnection:
    """A connection to the auth tables of the site file at `path`, created when missing."""
    conn = ThreadConnection(path, "anjing-auth")
    await conn.open(_setup)
    return conn
