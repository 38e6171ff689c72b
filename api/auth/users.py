"""User accounts: name, role, argon2 hash, disabled flag. Disabling a user ends their sessions."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from dataclasses import dataclass

from api.auth.passwords import check_policy, hash_password
from api.auth.roles import Role
from storage.connection import ThreadConnection, transaction

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class UserError(ValueError):
    """A user operation that cannot be done: the message says why."""


class UnknownUserError(UserError):
    pass


class UserExistsError(UserError):
    pass


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    display: str
    disabled: bool
    created: float
    password_changed: float

    def public(self) -> dict[str, object]:
        """What the audit log and the API may show: never the hash."""
        return {
            "name": self.name,
            "role": self.role.value,
            "display": self.display,
            "disabled": self.disabled,
        }


_COLUMNS = "name, role, display, disabled, created, password_changed"


def _user(row: tuple[str, str, str, int, float, float]) -> User:
    name, role, display, disabled, created, changed = row
    return User(name, Role(role), display, bool(disabled), created, changed)


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise UserError(
            f"用户名 {name!r} 无效：2–64 个字母、数字或 . _ @ - / invalid user name {name!r}: "
            "2–64 letters, digits or . _ @ -"
        )


class Users:
    def __init__(self, conn: ThreadConnection) -> None:
        self._conn = conn

    async def get(self, name: str) -> User | None:
        row = await self._conn.call(
            lambda c: c.execute(f"SELECT {_COLUMNS} FROM auth_users WHERE name = ?", (name,)).fetchone()
        )
        return None if row is None else _user(row)

    async def require(self, name: str) -> User:
        user = await self.get(name)
        if user is None:
            raise UnknownUserError(f"没有用户 {name!r} / no user {name!r}")
        return user

    async def list(self) -> list[User]:
        rows = await self._conn.call(
            lambda c: c.execute(f"SELECT {_COLUMNS} FROM auth_users ORDER BY name").fetchall()
        )
        return [_user(row) for row in rows]

    async def count(self) -> int:
        (n,) = await self._conn.call(lambda c: c.execute("SELECT count(*) FROM auth_users").fetchone())
        return int(n)

    async def password_hash(self, name: str) -> str | None:
        row = await self._conn.call(
            lambda c: c.execute(
                "SELECT password FROM auth_users WHERE name = ? AND NOT disabled", (name,)
            ).fetchone()
        )
        return None if row is None else str(row[0])

    async def add(self, name: str, role: Role, password: str, display: str = "") -> User:
        check_name(name)
        check_policy(password, name)
        encoded = await _hash(password)
        now = time.time()

        def insert(c: sqlite3.Connection) -> None:
            try:
                c.execute(
                    "INSERT INTO auth_users (name, role, password, display, created, password_changed) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (name, role.value, encoded, display, now, now),
                )
            except sqlite3.IntegrityError:
                raise UserExistsError(f"用户 {name!r} 已存在 / user {name!r} already exists") from None

        await self._conn.call(insert)
        return await self.require(name)

    async def set_password(self, name: str, password: str) -> None:
        """A new password ends every session of the user: whoever knew the old one is signed out."""
        check_policy(password, name)
        await self.require(name)
        encoded = await _hash(password)
        await self._conn.call(_set_password, name, encoded, time.time())

    async def rehash(self, name: str, password: str) -> None:
        """Store a stronger hash of a password just verified, keeping sessions."""
        encoded = await _hash(password)
        await self._conn.call(
            lambda c: c.execute("UPDATE auth_users SET password = ? WHERE name = ?", (encoded, name))
        )

    async def update(
        self, name: str, *, role: Role | None = None, disabled: bool | None = None, display: str | None = None
    ) -> tuple[User, User]:
        """Change role, display name or disabled flag; returns (before, after)."""
        before = await self.require(name)

        def apply(c: sqlite3.Connection) -> None:
            with transaction(c):
                if role is not None:
                    c.execute("UPDATE auth_users SET role = ? WHERE name = ?", (role.value, name))
                if display is not None:
                    c.execute("UPDATE auth_users SET display = ? WHERE name = ?", (display, name))
                if disabled is not None:
                    c.execute("UPDATE auth_users SET disabled = ? WHERE name = ?", (int(disabled), name))
                    if disabled:
                        c.execute("DELETE FROM auth_sessions WHERE user = ?", (name,))

        await self._conn.call(apply)
        return before, await self.require(name)


def _set_password(c: sqlite3.Connection, name: str, encoded: str, now: float) -> None:
    with transaction(c):
        c.execute(
            "UPDATE auth_users SET password = ?, password_changed = ? WHERE name = ?", (encoded, now, name)
        )
        c.execute("DELETE FROM auth_sessions WHERE user = ?", (name,))


async def _hash(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
