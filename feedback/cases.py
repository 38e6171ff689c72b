"""Feedback cases in the site's SQLite file: one row per case, its lifecycle, and the visitor's number
only while it is open.

A case goes open → acknowledged → answered → closed (acknowledging is optional; closing without an
answer is allowed, e.g. a prank). The phone is set to NULL in the same transaction that closes the
case; the connection runs with `secure_delete` and checkpoints the WAL afterwards, so the number does
not linger in freed pages or the log. Own table and schema version, like `alert_*` and `safety_*`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from feedback.kinds import Kind
from storage.connection import OwnConnection, own_tables, transaction

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS feedback_meta (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS feedback_cases (
        id INTEGER PRIMARY KEY AUTOINCREMENT, opened REAL NOT NULL, kind TEXT NOT NULL,
        zone TEXT NOT NULL, text TEXT NOT NULL, phone TEXT, source TEXT NOT NULL,
        evidence TEXT NOT NULL, summary TEXT NOT NULL, confirmed INTEGER NOT NULL, deadline REAL NOT NULL,
        state TEXT NOT NULL, acked_by TEXT, acked_at REAL, answer TEXT, answered_by TEXT,
        answered_at REAL, reply TEXT, closed_by TEXT, closed_at REAL, note TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS feedback_cases_opened ON feedback_cases (opened)",
    "CREATE INDEX IF NOT EXISTS feedback_cases_state ON feedback_cases (state)",
)


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    opened: float
    kind: Kind
    zone: str
    text: str
    phone: str | None  # full number: never leaves the feedback package unmasked
    source: str  # "kiosk" or "phone"
    evidence: list[dict[str, Any]]  # the zone's readings of the kind's quantities at `opened`
    summary: str  # the evidence in one sentence: "访客 10:42 反映 太热 / …; 温度 29.1 °C，高于 28 °C"
    confirmed: bool  # a reading was over/under its limit, or a related alert was firing
    deadline: float
    state: State
    acked_by: str | None = None
    acked_at: float | None = None
    answer: str | None = None
    answered_by: str | None = None
    answered_at: float | None = None
    reply: str | None = None  # what the SMS channel said about the answer texted to the visitor
    closed_by: str | None = None
    closed_at: float | None = None
    note: str | None = None  # the closing note

    def late(self, now: float) -> bool:
        """Answered after its deadline, or still unanswered with the deadline passed at `now`."""
        return (self.answered_at or now) > self.deadline


class CaseStore(OwnConnection):
    thread = "anjing-feedback"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def add(self, case: Case) -> Case:
        """Store a new case (its id is ignored); returns it with the id given."""
        ident = await self._conn.call(_insert, case)
        return replace(case, id=ident)

    async def get(self, ident: int) -> Case | None:
        rows = await self._conn.call(_select, "id = ?", (ident,))
        return rows[0] if rows else None

    async def find(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        zones: Sequence[str] = (),
        open_only: bool = False,
    ) -> list[Case]:
        """Cases opened in [start, end), of `zones` (all when empty), newest first."""
        where, args = ["1=1"], list[Any]()
        if start is not None:
            where.append("opened >= ?")
            args.append(start)
        if end is not None:
            where.append("opened < ?")
            args.append(end)
        if zones:
            where.append(f"zone IN ({', '.join('?' * len(zones))})")
            args.extend(zones)
        if open_only:
            where.append("state != ?")
            args.append(State.CLOSED.value)
        return await self._conn.call(_select, " AND ".join(where), tuple(args))

    async def save(self, case: Case) -> None:
        """Write a case's lifecycle fields; a closed case loses its phone number for good."""
        await self._conn.call(_update, case)


def _setup(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA secure_delete = ON")  # a purged number is overwritten, not left in a free page
    own_tables(conn, _SCHEMA, "feedback_meta", SCHEMA_VERSION)


_COLUMNS = (
    "opened", "kind", "zone", "text", "phone", "source", "evidence", "summary", "confirmed", "deadline", "state",
    "acked_by", "acked_at", "answer", "answered_by", "answered_at", "reply", "closed_by", "closed_at", "note",
)  # fmt: skip


def _row(case: Case) -> tuple[Any, ...]:
    return (
        case.opened, case.kind.value, case.zone, case.text,
        None if case.state is State.CLOSED else case.phone,
        case.source, json.dumps(case.evidence, ensure_ascii=False), case.summary, int(case.confirmed), case.deadline,
        case.state.value, case.acked_by, case.acked_at, case.answer, case.answered_by, case.answered_at,
        case.reply, case.closed_by, case.closed_at, case.note,
    )  # fmt: skip


def _insert(conn: sqlite3.Connection, case: Case) -> int:
    with transaction(conn):
        cursor = conn.execute(
            f"INSERT INTO feedback_cases ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            _row(case),
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _update(conn: sqlite3.Connection, case: Case) -> None:
    with transaction(conn):
        conn.execute(
            f"UPDATE feedback_cases SET {', '.join(f'{c} = ?' for c in _COLUMNS)} WHERE id = ?",
            (*_row(case), case.id),
        )
    if case.state is State.CLOSED:  # the old page with the number must not survive in the log either
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


def _select(conn: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[Case]:
    sql = f"SELECT id, {', '.join(_COLUMNS)} FROM feedback_cases WHERE {where} ORDER BY id DESC"
    return [_case(row) for row in conn.execute(sql, args).fetchall()]


def _case(row: tuple[Any, ...]) -> Case:
    ident, opened, kind, zone, text, phone, source, evidence, summary, confirmed, deadline, state, *rest = row
    return Case(
        ident, opened, Kind(kind), zone, text, phone, source, json.loads(evidence), summary, bool(confirmed),
        deadline, State(state), *rest,
    )  # fmt: skip
