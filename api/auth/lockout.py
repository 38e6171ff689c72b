"""Login throttling: too many failed logins lock the account, and the address, for a while.

Failures are rows in `auth_failures`, so a lock-out holds across restarts and across API processes
sharing the store. A lock-out is never permanent: a locked-out admin can wait, and an attacker cannot
lock everyone out for good.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from storage.connection import ThreadConnection


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    attempts: int = 5  # failed logins of one user within `window` before the lock-out
    window: float = 900.0
    lock: float = 900.0  # seconds the lock lasts after the last failure
    address_attempts: int = 20  # failed logins from one address (any user) within `window`


class Lockout:
    def __init__(self, conn: ThreadConnection, policy: LockoutPolicy) -> None:
        self._conn = conn
        self.policy = policy

    async def retry_after(self, user: str, address: str | None) -> float:
        """Seconds until this user or address may try again; 0 when it may try now."""
        return await self._conn.call(_retry_after, self.policy, user, address, time.time())

    async def failed(self, user: str, address: str | None) -> None:
        now = time.time()
        horizon = now - max(self.policy.window, self.policy.lock)

        def record(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO auth_failures (ts, user, address) VALUES (?, ?, ?)", (now, user, address))
            c.execute("DELETE FROM auth_failures WHERE ts < ?", (horizon,))

        await self._conn.call(record)

    async def succeeded(self, user: str) -> None:
        await self._conn.call(lambda c: c.execute("DELETE FROM auth_failures WHERE user = ?", (user,)))


def _retry_after(
    c: sqlite3.Connection, policy: LockoutPolicy, user: str, address: str | None, now: float
) -> float:
    since = now - policy.window
    waits = [0.0]
    for column, value, limit in (
        ("user", user, policy.attempts),
        ("address", address, policy.address_attempts),
    ):
        if value is None:
            continue
        count, last = c.execute(
            f"SELECT count(*), max(ts) FROM auth_failures WHERE {column} = ? AND ts >= ?", (value, since)
        ).fetchone()
        if count >= limit:
            waits.append(last + policy.lock - now)
    return max(waits)
