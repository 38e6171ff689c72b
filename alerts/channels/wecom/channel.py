"""Send a notice to a WeCom group robot (`POST /cgi-bin/webhook/send?key=KEY`).

The alert goes as `markdown` (it renders bold, colour and the link) and, when the notice names
people, a short `text` follows with `mentioned_mobile_list`: WeCom @-mentions by mobile only in
`text`. Success is `errcode` 0 in the JSON answer; HTTP 200 alone says nothing. Both messages come
out of one 20-per-minute budget per robot, reserved together so an alert is never sent without
its mention because the budget ran out between the two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from alerts.channels.base import Delivery, Notice
from alerts.channels.http import HttpSender, status_delivery
from alerts.channels.limits import RollingLimiter
from alerts.channels.phones import mainland_mobile
from alerts.channels.wecom.config import WecomConfig

MARKDOWN_LIMIT = 4096  # bytes of UTF-8, WeCom's limit for markdown.content
TEXT_LIMIT = 2048  # bytes of UTF-8, for text.content
MESSAGES_PER_MINUTE = 20  # per robot; beyond it WeCom answers 45009 and mutes the robot for a while
ELLIPSIS = "…"
RATE_LIMITED = 45009
SYSTEM_BUSY = -1
SEVERITY_COLOUR = {"critical": "warning", "warning": "warning", "info": "info"}  # WeCom's font colours


def truncate_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes at a character boundary, ending in "…" when cut."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode())
    return encoded[:room].decode(errors="ignore") + ELLIPSIS


def markdown_content(notice: Notice) -> str:
    """The markdown message: subject, body (cut to fit) and the dashboard link, which is always kept."""
    colour = SEVERITY_COLOUR.get(notice.severity, "comment")
    subject = notice.subject if notice.resolved else f'<font color="{colour}">{notice.subject}</font>'
    label = "查看详情 / details" if notice.language == "zh" else "details / 查看详情"
    tail = f"\n\n[{label}]({notice.link})"
    head = f"**{subject}**\n{notice.body}"
    return truncate_utf8(head, MARKDOWN_LIMIT - len(tail.encode())) + tail


def mentioned_mobiles(addresses: tuple[str, ...]) -> list[str]:
    """The addresses WeCom can @mention: "@all" and mainland mobiles as 11 digits (e-mails are dropped)."""
    mentions = ["@all" if address == "@all" else mainland_mobile(address) for address in addresses]
    return [mention for mention in dict.fromkeys(mentions) if mention is not None]


class WecomChannel:
    def __init__(self, config: WecomConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._key = config.key.get_secret_value()
        self._url = config.base_url.rstrip("/") + "/cgi-bin/webhook/send"
        self._limiter = RollingLimiter(MESSAGES_PER_MINUTE, 60.0, clock=clock)
        self._http = HttpSender(timeout=config.timeout, secrets=[self._key])

    @property
    def id(self) -> str:
        return self._config.id

    async def send(self, notice: Notice) -> Delivery:
        messages: list[dict[str, object]] = [
            {"msgtype": "markdown", "markdown": {"content": markdown_content(notice)}}
        ]
        if mentions := mentioned_mobiles(notice.addresses):
            text = {
                "content": truncate_utf8(f"{notice.subject}\n{notice.link}", TEXT_LIMIT),
                "mentioned_mobile_list": mentions,
            }
            messages.append({"msgtype": "text", "text": text})
        wait = self._limiter.reserve(len(messages))
        if wait is not None:
            return Delivery(
                ok=False,
                answer=f"本地限流 / held back: {MESSAGES_PER_MINUTE} messages per minute per robot",
                recoverable=True,
                throttled=True,
                retry_after=wait,
            )
        answers: list[str] = []
        for message in messages:
            delivery = await self._post(message)
            answers.append(delivery.answer)
            if not delivery.ok:
                # A retry resends the markdown too: a duplicate alert beats a silent @mention.
                return Delivery(
                    ok=False,
                    answer=" | ".join(answers),
                    recoverable=delivery.recoverable,
                    throttled=delivery.throttled,
                    retry_after=delivery.retry_after,
                )
        return Delivery(ok=True, answer=" | ".join(answers))

    async def _post(self, message: dict[str, object]) -> Delivery:
        body = json.dumps(message, ensure_ascii=False).encode()
        response = await self._http.post(
            self._url,
            content=body,
            params={"key": self._key},
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        if isinstance(response, Delivery):
            return response
        if response.status_code != 200:
            return status_delivery(response, [self._key])
        answer = self._http.redact(f"{message['msgtype']}: {response.text}")
        try:
            errcode = json.loads(response.text)["errcode"]
        except (ValueError, KeyError, TypeError):
            return Delivery(ok=False, answer=f"not a WeCom answer: {answer}", recoverable=True)
        if errcode == 0:
            return Delivery(ok=True, answer=answer)
        if errcode == RATE_LIMITED:
            return Delivery(ok=False, answer=answer, recoverable=True, throttled=True, retry_after=60.0)
        return Delivery(ok=False, answer=answer, recoverable=errcode == SYSTEM_BUSY)

    async def aclose(self) -> None:
        await self._http.aclose()
