"""Password hashing (argon2id, RFC 9106 low-memory profile) and the password policy.

Hashing takes about 0.1 s and 64 MiB by design; callers in the event loop run it in a thread.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_COMMON = frozenset(
    {"password", "password1", "1234567890", "0123456789", "12345678910", "qwertyuiop", "administrator",
     "anjing12345", "admin12345", "woaini1314", "1q2w3e4r5t", "a123456789", "abcdefghij"}
)  # fmt: skip
_hasher = PasswordHasher()  # argon2-cffi's defaults are RFC 9106's low-memory profile


class WeakPasswordError(ValueError):
    """The password does not meet the policy; the message says what to change."""


def check_policy(password: str, user: str) -> None:
    """Refuse passwords that are short, common, or the user's own name."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"密码至少 {MIN_LENGTH} 个字符 / a password needs at least {MIN_LENGTH} characters"
        )
    lowered = password.lower()
    if lowered in _COMMON or user.lower() in lowered or len(set(password)) < 4:
        raise WeakPasswordError(
            "密码太容易猜到（常见密码、含用户名或重复字符）/ the password is too easy to guess "
            "(common, contains the user name, or repeats characters)"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(encoded: str, password: str) -> bool:
    try:
        return _hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """True when the hash was made with weaker parameters than today's: re-hash at the next login."""
    return _hasher.check_needs_rehash(encoded)


DUMMY_HASH = hash_password("not a real password, used to spend the same time on unknown users")
