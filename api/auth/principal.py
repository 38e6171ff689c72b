"""Who is making a request: a user by session, a user's token, or the anonymous public."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from api.auth.roles import Permission, Role


class Via(StrEnum):
    SESSION = "session"
    TOKEN = "token"
    ANONYMOUS = "anonymous"
    CLI = "cli"  # the `anjing` command on the server: shell access to the site file is the credential
    SYSTEM = "system"  # the service itself (a SIGHUP reload, a scheduled job)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # the user's name; "anonymous" for the public
    role: Role | None
    via: Via
    address: str | None  # the client's address as the server saw it (after trusted proxies)
    permissions: frozenset[Permission] = frozenset()
    token: str | None = None  # the token's id when `via` is TOKEN

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
