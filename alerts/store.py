"""Alert history in the site's SQLite file, in tables of its own (`alert_*`, own schema version).

Every transition is appended to `alert_events` together with the alert's status in `alert_status`,
in one transaction, so after a restart the engine continues from exactly the states it had recorded
and announces nothing twice. Silences live in `alert_silences`. The connection is separate from the
reading store's (WAL lets both write the file; a busy timeout waits out the other's transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from alerts.silence import Silence
from alerts.state import AlertStatus, Transition
from storage.connection import OwnConnection, own_tables, transaction

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS alert_meta (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alert_status (key TEXT PRIMARY KEY, status TEXT NOT NULL, updated REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS alert_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
        zone TEXT, data TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS alert_events_ts ON alert_events (ts)",
    "CREATE INDEX IF NOT EXISTS alert_events_key ON alert_events (key, ts)",
    "CREATE TABLE IF NOT EXISTS alert_silences (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
)


class AlertStore(OwnConnection):
    thread = "anjing-alerts"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def record(self, transitions: Sequence[Transition], statuses: dict[str, AlertStatus]) -> None:
        """Append `transitions` and save the statuses they left behind, atomically."""
        if transitions:
            await self._conn.call(_record, transitions, statuses)

    async def statuses(self) -> dict[str, AlertStatus]:
        rows = await self._conn.call(lambda c: c.execute("SELECT key, status FROM alert_status").fetchall())
        return {key: AlertStatus.from_json(json.loads(data)) for key, data in rows}

    async def history(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        key: str | None = None,
        zone: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Transitions, newest first, as recorded (JSON objects with their evidence)."""
        where, args = ["1=1"], []
        for clause, value in (("ts >= ?", start), ("ts < ?", end), ("key = ?", key), ("zone = ?", zone)):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = f"SELECT data FROM alert_events WHERE {' AND '.join(where)} ORDER BY ts DESC, id DESC LIMIT ?"
        rows = await self._conn.call(lambda c: c.execute(sql, [*args, limit]).fetchall())
        return [json.loads(data) for (data,) in rows]

    async def save_silence(self, silence: Silence) -> None:
        data = json.dumps(silence.to_json(), ensure_ascii=False)
        await self._conn.call(
            lambda c: c.execute("INSERT OR REPLACE INTO alert_silences VALUES (?, ?)", (silence.id, data))
        )

    async def silences(self) -> list[Silence]:
        rows = await self._conn.call(lambda c: c.execute("SELECT data FROM alert_silences").fetchall())
        return [Silence.from_json(json.loads(data)) for (data,) in rows]


def _setup(conn: sqlite3.Connection) -> None:
    own_tables(conn, _SCHEMA, "alert_meta", SCHEMA_VERSION)


def _record(
    conn: sqlite3.Connection, transitions: Sequence[Transition], statuses: dict[str, AlertStatus]
) -> None:
    with transaction(conn):
        conn.executemany(
            "INSERT INTO alert_events (ts, key, state, zone, data) VALUES (?, ?, ?, ?, ?)",
            [
                (t.ts, t.key, t.state.value, t.zone, json.dumps(t.to_json(), ensure_ascii=False))
                for t in transitions
            ],
        )
        keys = {t.key for t in transitions}
        conn.executemany(
            "INSERT OR REPLACE INTO alert_status VALUES (?, ?, ?)",
            [(k, json.dumps(statuses[k].to_json()), statuses[k].since) for k in keys],
        )
