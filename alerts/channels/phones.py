"""Phone numbers as the channels need them: E.164 for SMS, 11 digits for WeCom @mentions, masked in logs.

A notice's addresses mix phones, e-mail addresses and "@all"; each channel takes the kind it can use.
"""

from __future__ import annotations

import re

_MAINLAND = re.compile(r"^(?:\+?86)?(1\d{10})$")
_INTERNATIONAL = re.compile(r"^\+([1-9]\d{6,14})$")


def e164(address: str) -> str | None:
    """`+8613800138000` for a mainland mobile (with or without +86), `+…` kept; None for non-phones."""
    compact = re.sub(r"[\s-]", "", address)
    if match := _MAINLAND.match(compact):
        return "+86" + match.group(1)
    if _INTERNATIONAL.match(compact):
        return compact
    return None


def mainland_mobile(address: str) -> str | None:
    """The 11-digit mobile WeCom binds to its members, or None when the address is not one."""
    phone = e164(address)
    return phone.removeprefix("+86") if phone is not None and phone.startswith("+861") else None


def masked(phone: str) -> str:
    """A phone as the delivery log shows it: enough to recognise, not enough to dial."""
    return phone[:-8] + "****" + phone[-4:]
