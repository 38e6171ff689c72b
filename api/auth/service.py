"""The auth service: log in, resolve a request's credentials to a principal, and the stores behind it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Self

from api.auth.audit import AuditLog
from api.auth.database import open_auth_db
from api.auth.lockout import Lockout, LockoutPolicy
from api.auth.passwords import DUMMY_HASH, needs_rehash, verify_password
from api.auth.principal import Principal, Via
from api.auth.roles import Permission, Role
from api.auth.sessions import Session, SessionPolicy, Sessions
from api.auth.tokens import Tokens
from api.auth.users import User, Users
from config.auth import ApiAuth
from storage.connection import ThreadConnection


class LoginRefused(Exception):
    """Wrong name or password, a disabled account, or a lock-out (then `retry_after` > 0)."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


BAD_LOGIN = "用户名或密码错误 / wrong user name or password"


class AuthService:
    def __init__(self, conn: ThreadConnection, settings: ApiAuth) -> None:
        self._conn = conn
        self.settings = settings
        self.users = Users(conn)
        self.tokens = Tokens(conn)
        self.sessions = Sessions(conn, SessionPolicy(settings.session_idle, settings.session_max))
        self.lockout = Lockout(
            conn,
            LockoutPolicy(attempts=settings.login_attempts, window=settings.lockout, lock=settings.lockout),
        )
        self.audit = AuditLog(conn)

    @classmethod
    async def open(cls, path: Path, settings: ApiAuth) -> Self:
        return cls(await open_auth_db(path), settings)

    async def close(self) -> None:
        await self._conn.close()

    async def login(self, name: str, password: str, address: str | None) -> tuple[str, Session, User]:
        """Check the password (same time spent for unknown users) and open a session.

        Returns the session cookie value, the session and the user; raises LoginRefused.
        """
        wait = await self.lockout.retry_after(name, address)
        if wait > 0:
            raise LoginRefused(
                f"登录失败次数过多，请 {int(wait) + 1} 秒后再试 / too many failed logins, "
                f"try again in {int(wait) + 1} s",
                wait,
            )
        encoded = await self.users.password_hash(name)
        ok = await asyncio.to_thread(verify_password, encoded or DUMMY_HASH, password)
        if not ok or encoded is None:
            await self.lockout.failed(name, address)
            raise LoginRefused(BAD_LOGIN)
        await self.lockout.succeeded(name)
        if needs_rehash(encoded):
            await self.users.rehash(name, password)
        ident, session = await self.sessions.create(name, address)
        return ident, session, await self.users.require(name)

    async def from_session(self, ident: str, address: str | None) -> tuple[Principal, Session] | None:
        session = await self.sessions.resolve(ident)
        if session is None:
            return None
        user = await self.users.get(session.user)
        if user is None or user.disabled:
            await self.sessions.end(ident)
            return None
        return Principal(user.name, user.role, Via.SESSION, address, user.role.permissions), session

    async def from_token(self, secret: str, address: str | None) -> Principal | None:
        """A token may do what its scopes allow within its owner's role today."""
        token = await self.tokens.resolve(secret)
        if token is None:
            return None
        owner = await self.users.get(token.owner)
        if owner is None or owner.disabled:
            return None
        allowed = token.scopes & owner.role.permissions
        return Principal(owner.name, owner.role, Via.TOKEN, address, allowed, token.id)

    def anonymous(self, address: str | None) -> Principal:
        """The public: nothing, or what `anonymous_role` reads — never an account of its own."""
        role = self.settings.anonymous_role
        permissions = frozenset() if role is None else Role(role).permissions - {Permission.ACCOUNT}
        return Principal("anonymous", None, Via.ANONYMOUS, address, permissions)
