"""The contract between the notification pipeline and its channels (WeCom, SMS, e-mail, webhook).

The pipeline (`alerts/notify/`) renders each message once per receiver and channel as a `Notice`;
a channel sends it and answers with a `Delivery`, which says whether a retry could help. Channels
never raise for a provider's refusal: that is the Delivery's `answer`, kept in the delivery log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Notice:
    """One message for one receiver over one channel."""

    receiver: str  # the receiver's id (a person, a duty group)
    subject: str  # one line: "【告警】会议室 甲醛1小时均值 0.12 mg/m³ > 0.08 mg/m³"
    body: str  # the full text (Markdown where the channel renders it): what, where, value vs limit
    # and window, standard and clause, since when, and the link
    severity: str  # info | warning | critical
    alert_keys: tuple[str, ...]  # the alerts this notice groups
    link: str  # the alert in the dashboard: a robot message cannot be answered
    resolved: bool = False
    addresses: tuple[str, ...] = ()  # phones (E.164 or 11-digit), e-mail addresses or WeCom mobiles
    params: Mapping[str, str] = field(default_factory=dict)  # SMS template variables (strings, no URLs)
    language: str = "zh"  # zh | en
    reason: str = "notify"  # notify | repeat | escalate-N | fallback:…: why it is sent now
    id: str = ""  # the same on every retry and after a restart: a receiver that gets it twice drops one


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the provider said. `recoverable` drives the retry; `throttled` means a rate limit held it back."""

    ok: bool
    answer: str  # the provider's answer (errcode, Code, HTTP status…), secrets redacted
    recoverable: bool = False
    throttled: bool = False
    retry_after: float | None = None  # seconds, when the provider or our own budget says


class Channel(Protocol):
    @property
    def id(self) -> str: ...

    async def send(self, notice: Notice) -> Delivery: ...

    async def aclose(self) -> None: ...
