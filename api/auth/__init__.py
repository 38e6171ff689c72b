"""Who may do what: users, roles, sessions, tokens, and the audit log, in the site's SQLite file."""

from api.auth.audit import AuditLog, AuditRecord
from api.auth.principal import Principal, Via
from api.auth.roles import Permission, Role

__all__ = ["AuditLog", "AuditRecord", "Permission", "Principal", "Role", "Via"]
