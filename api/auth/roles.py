"""Roles and what each may do: routes ask for a permission, never for a role by name.

A token carries scopes; what it may do is its scopes within its owner's role *at the time of use*,
so demoting or disabling a user shrinks every token they made.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ACCOUNT = "account"  # one's own password and tokens: every signed-in user, never the anonymous public
    READ = "read"  # live state, readings, alerts, notification log
    METRICS = "metrics"  # /metrics, for a Prometheus token
    ACKNOWLEDGE = "acknowledge"  # acknowledge a firing alert
    INSPECT = "inspect"  # record a patrol or an inspection as done
    SILENCE = "silence"  # create and end silences and maintenance windows
    SIGN = "sign"  # sign emergency-plan checklist items, start and end drills
    EXPORT = "export"  # compliance exports, raw data, manual/lab results
    AUDIT = "audit"  # read the audit log
    CONFIG = "config"  # reload the site configuration, commission devices
    USERS = "users"  # manage users and other people's tokens


class Role(StrEnum):
    VIEWER = "viewer"
    DUTY = "duty"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self]


_VIEWER = frozenset({Permission.ACCOUNT, Permission.READ, Permission.METRICS})
_DUTY = _VIEWER | {Permission.ACKNOWLEDGE, Permission.INSPECT}
_MANAGER = _DUTY | {Permission.SILENCE, Permission.SIGN, Permission.EXPORT, Permission.AUDIT}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.DUTY: _DUTY,
    Role.MANAGER: _MANAGER,
    Role.ADMIN: frozenset(Permission),
}
