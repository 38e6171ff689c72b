"""Bearer API tokens for machines (Prometheus, integrations): scoped, expiring, revocable, hashed at rest.

A token reads `anj_<id>_<secret>`; only the SHA-256 of the whole string is stored (the secret has 256
bits of entropy, so a slow hash adds nothing). The id is public: lists and the audit log name it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass

from api.auth.roles import Permission
from storage.connection import ThreadConnection

PREFIX = "anj_"


@dataclass(frozen=True, slots=True)
class Token:
    id: str
    owner: str
    name: str
    scopes: frozenset[Permission]
    created: float
    expires: float | None
    revoked: float | None
    last_used: float | None

    def valid(self, now: float) -> bool:
        return self.revoked is None and (self.expires is None or now < self.expires)

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "owner": self.owner,
            "name": self.name,
            "scopes": sorted(self.scopes),
            "expires": self.expires,
            "revoked": self.revoked,
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_COLUMNS = "id, owner, name, scopes, created, expires, revoked, last_used"
Row = tuple[str, str, str, str, float, float | None, float | None, float | None]


def _token(row: Row) -> Token:
    ident, owner, name, scopes, created, expires, revoked, last_used = row
    return Token(
        ident,
        owner,
        name,
        frozenset(map(Permission, json.loads(scopes))),
        created,
        expires,
        revoked,
        last_used,
    )


class Tokens:
    def __init__(self, conn: ThreadConnection) -> None:
        self._conn = conn

    async def create(
        self, owner: str, name: str, scopes: frozenset[Permission], expires: float | None
    ) -> tuple[Token, str]:
        """A new token and its secret; the secret is shown once and never stored."""
        ident = secrets.token_hex(4)
        secret = f"{PREFIX}{ident}_{secrets.token_urlsafe(32)}"
        row = (ident, digest(secret), owner, name, json.dumps(sorted(scopes)), time.time(), expires)
        await self._conn.call(
            lambda c: c.execute(
                "INSERT INTO auth_tokens (id, hash, owner, name, scopes, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )
        token = await self.get(ident)
        assert token is not None
        return token, secret

    async def get(self, ident: str) -> Token | None:
        row = await self._conn.call(
            lambda c: c.execute(f"SELECT {_COLUMNS} FROM auth_tokens WHERE id = ?", (ident,)).fetchone()
        )
        return None if row is None else _token(row)

    async def list(self, owner: str | None = None) -> list[Token]:
        sql = (
            f"SELECT {_COLUMNS} FROM auth_tokens"
            + (" WHERE owner = ?" if owner else "")
            + " ORDER BY created"
        )
        rows = await self._conn.call(lambda c: c.execute(sql, (owner,) if owner else ()).fetchall())
        return [_token(row) for row in rows]

    async def resolve(self, secret: str) -> Token | None:
        """The valid token with this secret, its use recorded; None when unknown, expired or revoked."""
        if not secret.startswith(PREFIX):
            return None
        now = time.time()

        def find(c: sqlite3.Connection) -> Row | None:
            row: Row | None = c.execute(
                f"SELECT {_COLUMNS} FROM auth_tokens WHERE hash = ?", (digest(secret),)
            ).fetchone()
            if row is not None and (row[7] is None or now - row[7] > 60):  # last_used, to the minute
                c.execute("UPDATE auth_tokens SET last_used = ? WHERE id = ?", (now, row[0]))
            return row

        row = await self._conn.call(find)
        token = None if row is None else _token(row)
        return token if token is not None and token.valid(now) else None

    async def revoke(self, ident: str) -> Token | None:
        """Revoke now; returns the token as it was, or None when there is no such token."""
        before = await self.get(ident)
        if before is not None and before.revoked is None:
            await self._conn.call(
                lambda c: c.execute("UPDATE auth_tokens SET revoked = ? WHERE id = ?", (time.time(), ident))
            )
        return before
