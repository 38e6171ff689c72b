"""The delivery queue and the delivery log (Alertmanager's nflog) in the site's SQLite file (`notify_*`).

A notice is written to `notify_queue` before it is sent and deleted only in the transaction that
logs the channel's ok, so a restart (or a crash) in the middle of a retry loop resumes the queue:
nothing is lost, and nothing acknowledged by a channel is sent again. (A crash between a provider's
ok and our commit would send that one notice again: at least once, as for the InfluxDB outbox.)
Every attempt is a row of `notify_log`, with the provider's answer. Own connection and schema version.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from alerts.channels.base import Delivery, Notice
from storage.connection import OwnConnection, own_tables, transaction

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS notify_meta (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS notify_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT, dedup TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
        reason TEXT NOT NULL, notice TEXT NOT NULL, created REAL NOT NULL, due REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, fallen_back INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS notify_queue_due ON notify_queue (channel, due)",
    """CREATE TABLE IF NOT EXISTS notify_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, alert_keys TEXT NOT NULL,
        receiver TEXT NOT NULL, channel TEXT NOT NULL, reason TEXT NOT NULL, outcome TEXT NOT NULL,
        answer TEXT NOT NULL, attempt INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS notify_log_ts ON notify_log (ts)",
)


@dataclass(frozen=True, slots=True)
class Queued:
    """One notice waiting for one channel; `dedup` makes a second enqueue of the same notice a no-op."""

    dedup: str
    channel: str
    reason: str
    notice: Notice
    due: float
    id: int = 0
    created: float = 0.0
    attempts: int = 0
    fallen_back: bool = False


class NotifyQueue(OwnConnection):
    thread = "anjing-notify"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def put(self, items: list[Queued], now: float) -> None:
        rows = [(q.dedup, q.channel, q.reason, _dump(q.notice), now, q.due) for q in items]
        sql = "INSERT OR IGNORE INTO notify_queue (dedup, channel, reason, notice, created, due) VALUES (?, ?, ?, ?, ?, ?)"
        await self._conn.call(lambda c: c.executemany(sql, rows))

    async def due(self, channel: str, now: float, limit: int = 20) -> list[Queued]:
        """The channel's notices due at `now`, oldest first."""
        sql = (
            "SELECT id, dedup, channel, reason, notice, created, due, attempts, fallen_back FROM notify_queue"
            " WHERE channel = ? AND due <= ? ORDER BY due, id LIMIT ?"
        )
        rows = await self._conn.call(lambda c: c.execute(sql, (channel, now, limit)).fetchall())
        return [
            Queued(dedup, ch, reason, _load(notice), due, ident, created, attempts, bool(fb))
            for ident, dedup, ch, reason, notice, created, due, attempts, fb in rows
        ]

    async def next_due(self, channel: str) -> float | None:
        sql = "SELECT min(due) FROM notify_queue WHERE channel = ?"
        row = await self._conn.call(lambda c: c.execute(sql, (channel,)).fetchone())
        return None if row is None else row[0]

    async def settle(
        self, item: Queued, delivery: Delivery, outcome: str, now: float, *, retry_at: float | None
    ) -> None:
        """Log the attempt; keep the notice for `retry_at`, or drop it (sent, or given up), in one transaction."""
        await self._conn.call(
            lambda c: _settle(c, item, delivery, outcome=outcome, now=now, retry_at=retry_at)
        )

    async def mark_fallen_back(self, item: Queued) -> None:
        await self._conn.call(
            lambda c: c.execute("UPDATE notify_queue SET fallen_back = 1 WHERE id = ?", (item.id,))
        )

    async def told(self, key: str) -> dict[str, float]:
        """When each kind of message (notify, repeat, escalate-N…) about alert `key` was last queued,
        sent or tried: what a restart must not tell twice."""
        sql = (
            "SELECT reason, max(created) FROM notify_queue WHERE EXISTS"
            " (SELECT 1 FROM json_each(json_extract(notice, '$.alert_keys')) WHERE value = ?) GROUP BY reason"
            " UNION ALL SELECT reason, max(ts) FROM notify_log WHERE EXISTS"
            " (SELECT 1 FROM json_each(alert_keys) WHERE value = ?) GROUP BY reason"
        )
        rows = await self._conn.call(lambda c: c.execute(sql, (key, key)).fetchall())
        told: dict[str, float] = {}
        for reason, ts in rows:
            told[reason] = max(ts, told.get(reason, ts))
        return told

    async def depth(self) -> int:
        row = await self._conn.call(lambda c: c.execute("SELECT count(*) FROM notify_queue").fetchone())
        return int(row[0])

    async def log(
        self,
        *,
        alert: str | None = None,
        receiver: str | None = None,
        since: float | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Delivery attempts, newest first."""
        where, args = ["1=1"], list[Any]()
        if alert is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(alert_keys) WHERE value = ?)")
            args.append(alert)
        for clause, value in (("receiver = ?", receiver), ("ts >= ?", since)):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = (
            "SELECT ts, alert_keys, receiver, channel, reason, outcome, answer, attempt FROM notify_log"
            f" WHERE {' AND '.join(where)} ORDER BY ts DESC, id DESC LIMIT ?"
        )
        rows = await self._conn.call(lambda c: c.execute(sql, [*args, limit]).fetchall())
        keys = ("ts", "alert_keys", "receiver", "channel", "reason", "outcome", "answer", "attempt")
        return [dict(zip(keys, (r[0], json.loads(r[1]), *r[2:]), strict=True)) for r in rows]


def _dump(notice: Notice) -> str:
    data = dataclasses.asdict(notice) | {"params": dict(notice.params)}
    return json.dumps(data, ensure_ascii=False)


def _load(text: str) -> Notice:
    data = json.loads(text)
    return Notice(**data | {"alert_keys": tuple(data["alert_keys"]), "addresses": tuple(data["addresses"])})


def _setup(conn: sqlite3.Connection) -> None:
    own_tables(conn, _SCHEMA, "notify_meta", SCHEMA_VERSION)


def _settle(
    conn: sqlite3.Connection,
    item: Queued,
    delivery: Delivery,
    *,
    outcome: str,
    now: float,
    retry_at: float | None,
) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO notify_log (ts, alert_keys, receiver, channel, reason, outcome, answer, attempt)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now,
                json.dumps(item.notice.alert_keys),
                item.notice.receiver,
                item.channel,
                item.reason,
                outcome,
                delivery.answer,
                item.attempts + 1,
            ),
        )
        if retry_at is None:
            conn.execute("DELETE FROM notify_queue WHERE id = ?", (item.id,))
        else:
            conn.execute(
                "UPDATE notify_queue SET attempts = attempts + 1, due = ? WHERE id = ?", (retry_at, item.id)
            )
