"""The safety journal: sign-offs, inspection records and drill timelines, append-only, in the site file.

One table, `safety_journal`, holds every record with its kind (sign, inspection, drill.start,
drill.step, drill.end), subject (item, task, section or step), actor and JSON data with the evidence
frozen at that moment. Triggers refuse UPDATE and DELETE, as for the audit log: a mistake is corrected
by a new entry whose `corrects` names the old one (same kind and subject), and readers take the newest
of such a chain. `safety_schedule` keeps when each task was first scheduled, so a task never done is
due one period after that, across restarts. Own connection and schema version, like `alert_*`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.connection import OwnConnection, own_tables, transaction

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS safety_meta (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS safety_schedule (task TEXT PRIMARY KEY, since REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS safety_journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
        drill INTEGER, actor TEXT NOT NULL, corrects INTEGER REFERENCES safety_journal (id),
        data TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS safety_journal_subject ON safety_journal (kind, subject)",
    "CREATE INDEX IF NOT EXISTS safety_journal_drill ON safety_journal (drill)",
    "CREATE INDEX IF NOT EXISTS safety_journal_ts ON safety_journal (ts)",
    """CREATE TRIGGER IF NOT EXISTS safety_journal_no_update BEFORE UPDATE ON safety_journal
        BEGIN SELECT RAISE(ABORT, 'the safety journal is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS safety_journal_no_delete BEFORE DELETE ON safety_journal
        BEGIN SELECT RAISE(ABORT, 'the safety journal is append-only'); END""",
)


class EntryKind(StrEnum):
    SIGN = "sign"  # a checklist item checked and signed
    INSPECTION = "inspection"  # a periodic task done (by a person, or a controller's self-test)
    DRILL_START = "drill.start"
    DRILL_STEP = "drill.step"
    DRILL_END = "drill.end"


class JournalError(ValueError):
    """An entry that cannot be appended: it corrects an entry that does not exist or is of another kind."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    ts: float  # when it was recorded
    kind: EntryKind
    subject: str
    actor: str
    data: dict[str, Any]
    drill: int | None = None  # the drill it belongs to (its drill.start entry's id)
    corrects: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": self.ts,
            "kind": self.kind.value,
            "subject": self.subject,
            "actor": self.actor,
            "drill": self.drill,
            "corrects": self.corrects,
            **self.data,
        }


def effective(entries: Iterable[Entry]) -> list[Entry]:
    """`entries` less those a later entry among them corrects: what the record says now."""
    entries = list(entries)
    corrected = {e.corrects for e in entries if e.corrects is not None}
    return [e for e in entries if e.id not in corrected]


class SafetyJournal(OwnConnection):
    thread = "anjing-safety"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def append(
        self,
        kind: EntryKind,
        subject: str,
        actor: str,
        data: dict[str, Any],
        *,
        drill: int | None = None,
        corrects: int | None = None,
    ) -> Entry:
        """Append one entry, committed before this returns; JournalError for a bad correction."""
        return await self._conn.call(_append, kind, subject, actor, data, drill=drill, corrects=corrects)

    async def entries(
        self,
        *,
        kinds: Sequence[EntryKind] = (),
        subject: str | None = None,
        drill: int | None = None,
        start: float | None = None,
        end: float | None = None,
    ) -> list[Entry]:
        """Entries in the order they were recorded, narrowed by kind, subject, drill and time recorded."""
        where, args = ["1=1"], list[Any]()
        if kinds:
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            args.extend(k.value for k in kinds)
        for clause, value in (
            ("subject = ?", subject),
            ("drill = ?", drill),
            ("ts >= ?", start),
            ("ts < ?", end),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = f"SELECT * FROM safety_journal WHERE {' AND '.join(where)} ORDER BY id"
        rows = await self._conn.call(lambda c: c.execute(sql, args).fetchall())
        return [_entry(row) for row in rows]

    async def entry(self, ident: int) -> Entry | None:
        row = await self._conn.call(
            lambda c: c.execute("SELECT * FROM safety_journal WHERE id = ?", (ident,)).fetchone()
        )
        return None if row is None else _entry(row)

    async def schedule(self, tasks: Sequence[str], now: float) -> dict[str, float]:
        """When each of `tasks` was first scheduled (now, for a task new to this file)."""
        return await self._conn.call(_schedule, tasks, now)


def _setup(conn: sqlite3.Connection) -> None:
    own_tables(conn, _SCHEMA, "safety_meta", SCHEMA_VERSION)


def _append(
    conn: sqlite3.Connection,
    kind: EntryKind,
    subject: str,
    actor: str,
    data: dict[str, Any],
    *,
    drill: int | None,
    corrects: int | None,
) -> Entry:
    ts = time.time()
    with transaction(conn):
        if corrects is not None:
            row = conn.execute(
                "SELECT kind, subject FROM safety_journal WHERE id = ?", (corrects,)
            ).fetchone()
            if row is None or tuple(row) != (kind.value, subject):
                raise JournalError(
                    f"无可更正的记录 / entry {corrects} is not a {kind.value} record of {subject!r}"
                )
        cursor = conn.execute(
            "INSERT INTO safety_journal (ts, kind, subject, drill, actor, corrects, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ts, kind.value, subject, drill, actor, corrects, json.dumps(data, ensure_ascii=False)),
        )
    assert cursor.lastrowid is not None
    return Entry(cursor.lastrowid, ts, kind, subject, actor, data, drill, corrects)


def _schedule(conn: sqlite3.Connection, tasks: Sequence[str], now: float) -> dict[str, float]:
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO safety_schedule VALUES (?, ?)", [(t, now) for t in tasks])
    return dict(conn.execute("SELECT task, since FROM safety_schedule").fetchall())


def _entry(row: tuple[Any, ...]) -> Entry:
    ident, ts, kind, subject, drill, actor, corrects, data = row
    return Entry(ident, ts, EntryKind(kind), subject, actor, json.loads(data), drill, corrects)
