"""Browser sessions: a random id in an HttpOnly cookie, stored as its SHA-256, with idle and absolute
expiry, and a CSRF token the page must echo in a header on every change it asks for."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from storage.connection import ThreadConnection

COOKIE = "anjing_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    created: float
    csrf: str


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: float = 8 * 3600.0  # signed out after this long without a request
    maximum: float = 7 * 86400.0  # signed out this long after signing in, however active


def _digest(ident: str) -> str:
    return hashlib.sha256(ident.encode()).hexdigest()


class Sessions:
    def __init__(self, conn: ThreadConnection, policy: SessionPolicy) -> None:
        self._conn = conn
        self.policy = policy

    async def create(self, user: str, address: str | None) -> tuple[str, Session]:
        """A new session; returns the cookie value (shown once) and the session."""
        ident = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(user, now, secrets.token_urlsafe(24))
        row = (_digest(ident), user, now, now, address, session.csrf)
        await self._conn.call(
            lambda c: c.execute(
                "INSERT INTO auth_sessions (hash, user, created, seen, address, csrf) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
        )
        return ident, session

    async def resolve(self, ident: str) -> Session | None:
        """The live session with this cookie value, its idle clock restarted; None when expired or unknown."""
        now = time.time()
        policy = self.policy

        def find(c: sqlite3.Connection) -> Session | None:
            key = _digest(ident)
            row = c.execute(
                "SELECT user, created, seen, csrf FROM auth_sessions WHERE hash = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            user, created, seen, csrf = row
            if now - seen > policy.idle or now - created > policy.maximum:
                c.execute("DELETE FROM auth_sessions WHERE hash = ?", (key,))
                return None
            if now - seen > 30:
                c.execute("UPDATE auth_sessions SET seen = ? WHERE hash = ?", (now, key))
            return Session(user, created, csrf)

        return await self._conn.call(find)

    async def end(self, ident: str) -> None:
        await self._conn.call(
            lambda c: c.execute("DELETE FROM auth_sessions WHERE hash = ?", (_digest(ident),))
        )
