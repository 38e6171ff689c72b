"""What the two SMS channels share: phone numbers, template variables and the per-phone budget.

An SMS reaches a phone in someone's pocket and costs money, and the gateways punish repeats (the
same text to a phone within 30 s, a daily cap per phone), so the budget is checked before the
request: a phone over budget is left out and the Delivery says `throttled`. Template variables must
be plain strings without URLs: the providers refuse templates whose variables carry links.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import Field

from alerts.channels.base import Delivery, Notice
from alerts.channels.fields import ChannelBase
from alerts.channels.limits import PhoneBudget
from alerts.channels.phones import e164, masked
from config.types import Seconds

_URL = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)


class SmsConfig(ChannelBase):
    """Template and budget settings of both SMS channels."""

    sign_name: str = Field(min_length=1, description="the approved signature (签名), e.g. 安境物业")
    template: str = Field(min_length=1, description="the approved template's code or id")
    params: list[str] = Field(
        default_factory=list,
        description="the notice's params that fill the template, in order (Tencent is positional)",
    )
    repeat_after: Seconds = Field(
        default=30.0, ge=0, description="same content to one phone at most this often"
    )
    daily_cap: int = Field(default=10, ge=1, description="messages per phone per day (UTC+8)")


def template_values(config: SmsConfig, params: Mapping[str, str]) -> list[str]:
    """The template variables in the configured order, URLs removed (a missing one is empty)."""
    return [_URL.sub("", str(params.get(name, ""))).strip() for name in config.params]


@dataclass(frozen=True, slots=True)
class Plan:
    """Who gets the message now, and why the others do not."""

    phones: list[str]  # E.164
    held: dict[str, float]  # phone → seconds until its budget allows it
    content: str  # the budget's notion of "identical content"


class SmsBudget:
    """`PhoneBudget` applied to a notice: splits its phones into those sent now and those held back."""

    def __init__(self, config: SmsConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._budget = PhoneBudget(repeat_after=config.repeat_after, daily_cap=config.daily_cap, clock=clock)
        self._template = config.template

    def plan(self, notice: Notice, values: list[str]) -> Plan:
        content = json.dumps([self._template, values], ensure_ascii=False)
        phones: list[str] = []
        held: dict[str, float] = {}
        for phone in dict.fromkeys(filter(None, map(e164, notice.addresses))):
            wait = self._budget.check(phone, content)
            if wait is None:
                phones.append(phone)
            else:
                held[phone] = wait
        return Plan(phones=phones, held=held, content=content)

    def spend(self, phones: list[str], content: str) -> None:
        for phone in phones:
            self._budget.spend(phone, content)


def held_back(plan: Plan) -> Delivery | None:
    """The Delivery when the budget leaves nobody to send to; None when some phone may be sent."""
    if plan.phones:
        return None
    if not plan.held:
        return Delivery(ok=False, answer="没有手机号 / no phone number among the notice's addresses")
    return Delivery(
        ok=False,
        answer="本地限额 / held back by the per-phone budget: " + ", ".join(map(masked, plan.held)),
        recoverable=True,
        throttled=True,
        retry_after=min(plan.held.values()),
    )


def with_held(delivery: Delivery, plan: Plan) -> Delivery:
    """A provider's answer for the phones sent, marked `throttled` when others were held back."""
    if not plan.held:
        return delivery
    note = "; held back: " + ", ".join(map(masked, plan.held))
    return Delivery(
        ok=delivery.ok,
        answer=delivery.answer + note,
        recoverable=delivery.recoverable,
        throttled=True,
        retry_after=min([*plan.held.values(), *filter(None, [delivery.retry_after])]),
    )
