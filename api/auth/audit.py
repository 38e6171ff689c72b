"""The append-only audit log: who did what, when, from where, to what, with the state before and after."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from api.auth.principal import Principal
from storage.connection import ThreadConnection


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    ts: float
    actor: str
    via: str
    address: str | None
    action: str  # dotted verb, e.g. "alert.acknowledge", "user.add", "config.reload"
    target: str  # what it acted on: an alert key, a user name, a file
    outcome: str  # "ok", or why it was refused or failed
    before: Any
    after: Any
    detail: str


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


class AuditLog:
    def __init__(self, conn: ThreadConnection) -> None:
        self._conn = conn

    async def record(
        self,
        actor: Principal,
        action: str,
        target: str,
        *,
        before: Any = None,
        after: Any = None,
        outcome: str = "ok",
        detail: str = "",
    ) -> None:
        """Append one record; it is committed before this returns."""
        row = (
            time.time(),
            actor.name,
            actor.via.value,
            actor.address,
            action,
            target,
            outcome,
            _dump(before),
            _dump(after),
            detail,
        )
        await self._conn.call(
            lambda c: c.execute(
                "INSERT INTO auth_audit (ts, actor, via, address, action, target, outcome, before, after, "
                "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    async def list(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 1000,
    ) -> list[AuditRecord]:
        """Records, newest first; `action` matches a prefix ("alert." for every alert action)."""
        where, args = ["1=1"], []
        for clause, value in (
            ("ts >= ?", start),
            ("ts < ?", end),
            ("actor = ?", actor),
            ("action LIKE ? || '%'", action),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = f"SELECT * FROM auth_audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        rows = await self._conn.call(lambda c: c.execute(sql, [*args, limit]).fetchall())
        return [_record(row) for row in rows]


def _record(row: sqlite3.Row | tuple[Any, ...]) -> AuditRecord:
    ident, ts, actor, via, address, action, target, outcome, before, after, detail = row
    return AuditRecord(
        ident,
        ts,
        actor,
        via,
        address,
        action,
        target,
        outcome,
        None if before is None else json.loads(before),
        None if after is None else json.loads(after),
        detail,
    )
