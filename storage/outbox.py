"""`Outbox`: readings stored but not yet acknowledged by InfluxDB, in the store's own SQLite file.

`SqliteStore(outbox=True)` appends each reading's (series, ts) to the `outbox` table in the same
transaction that stores it, so a reading is in the outbox exactly when it is stored — a crash at any
moment loses neither. The forwarder takes batches from here and deletes an entry only after InfluxDB
acknowledged it. This class has its own connection and thread, so forwarding never queues behind the
store's writes (SQLite's lock and busy timeout order the two writers).

Bounded: `trim` drops the oldest entries beyond a count and those older than an age — the readings
stay in the store; only their forwarding is given up, and counted.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sensors import Quantity, Reading
from storage.connection import OwnConnection, transaction
from storage.sqlite import QUALITY_CODES, from_ms

_QUALITIES = {code: quality for quality, code in QUALITY_CODES.items()}

_ENTRIES = """
    SELECT o.id, s.sensor, s.quantity, o.ts, r.quality, r.value, r.state
    FROM outbox o
    JOIN series s ON s.id = o.series
    LEFT JOIN readings r ON r.series = o.series AND r.ts = o.ts
    WHERE o.id IN (SELECT id FROM outbox ORDER BY id {order} LIMIT ?)"""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued reading; `reading` is None when the store no longer holds it (purged meanwhile)."""

    id: int
    reading: Reading | None


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    depth: int
    oldest_ts: int | None  # ms since the epoch of the head entry's reading


class Outbox(OwnConnection):
    """Open with `await Outbox.open(path)` on a file `SqliteStore` has created (the schema is its)."""

    thread = "anjing-outbox"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def take(self, oldest: int, newest: int = 0) -> list[OutboxEntry]:
        """Up to `oldest` entries from the head and `newest` from the tail, in queue order, no repeats.

        Taking from both ends lets live readings through while a backlog drains oldest first.
        """
        return await self._conn.call(_take, oldest, newest)

    async def ack(self, ids: Sequence[int]) -> None:
        """Forget these entries: InfluxDB has them (or they were quarantined)."""
        if ids:
            await self._conn.call(_delete, ids)

    async def quarantine(self, entries: Sequence[tuple[int, str]], status: int, reason: str) -> None:
        """Move (id, line) entries out of the queue into `outbox_quarantine`, with why, in one transaction."""
        await self._conn.call(_quarantine, entries, status, reason)

    async def trim(self, max_points: int, older_than_ms: int) -> int:
        """Drop the oldest entries beyond `max_points` and those older than the cutoff; how many."""
        return await self._conn.call(_trim, max_points, older_than_ms)

    async def depth(self) -> OutboxDepth:
        return await self._conn.call(_depth)

    async def quarantined(self, limit: int = 100) -> list[tuple[int, int, str, str]]:
        """The newest quarantined lines: (at ms, HTTP status, reason, line)."""
        return await self._conn.call(_quarantined, limit)


def _setup(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 10000")


def _take(conn: sqlite3.Connection, oldest: int, newest: int) -> list[OutboxEntry]:
    rows = conn.execute(_ENTRIES.format(order="ASC"), (oldest,)).fetchall()
    if newest:
        rows += conn.execute(_ENTRIES.format(order="DESC"), (newest,)).fetchall()
    entries: dict[int, OutboxEntry] = {}
    for ident, sensor, quantity, ts, quality, value, state in rows:
        reading = (
            None
            if quality is None
            else Reading(sensor, Quantity(quantity), value, from_ms(ts), _QUALITIES[quality], state)
        )
        entries[ident] = OutboxEntry(ident, reading)
    return [entries[i] for i in sorted(entries)]


def _delete(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    with transaction(conn):
        conn.executemany("DELETE FROM outbox WHERE id = ?", ((i,) for i in ids))


def _quarantine(
    conn: sqlite3.Connection, entries: Sequence[tuple[int, str]], status: int, reason: str
) -> None:
    now = int(time.time() * 1000)
    with transaction(conn):
        conn.executemany(
            "INSERT INTO outbox_quarantine (at, status, reason, line) VALUES (?, ?, ?, ?)",
            ((now, status, reason, line) for _, line in entries),
        )
        conn.executemany("DELETE FROM outbox WHERE id = ?", ((i,) for i, _ in entries))


def _trim(conn: sqlite3.Connection, max_points: int, older_than_ms: int) -> int:
    with transaction(conn):
        dropped = conn.execute("DELETE FROM outbox WHERE ts < ?", (older_than_ms,)).rowcount
        (count,) = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
        if count > max_points:
            dropped += conn.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                (count - max_points,),
            ).rowcount
    return max(dropped, 0)


def _depth(conn: sqlite3.Connection) -> OutboxDepth:
    (count,) = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
    head = conn.execute("SELECT ts FROM outbox ORDER BY id LIMIT 1").fetchone()
    return OutboxDepth(int(count), None if head is None else int(head[0]))


def _quarantined(conn: sqlite3.Connection, limit: int) -> list[tuple[int, int, str, str]]:
    rows = conn.execute(
        "SELECT at, status, reason, line FROM outbox_quarantine ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(int(a), int(s), str(r), str(line)) for a, s, r, line in rows]
