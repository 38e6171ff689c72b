"""A visitor's phone number: a mainland mobile or nothing, and only ever shown masked."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class PhoneError(ValueError):
    """Not a mainland mobile number."""


def mobile(text: str) -> str:
    """The 11 digits of a mainland mobile (spaces, dashes and +86 allowed); PhoneError otherwise."""
    match = _MOBILE.match(re.sub(r"[\s-]", "", text))
    if match is None:
        raise PhoneError("请填写11位手机号 / enter an 11-digit mainland mobile number, e.g. 13812345678")
    return match.group(1)


def masked(phone: str | None) -> str | None:
    """`138****5678`: enough to recognise, not enough to dial."""
    return None if phone is None else f"{phone[:3]}****{phone[-4:]}"
