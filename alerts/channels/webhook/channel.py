"""POST the notice as JSON, signed so the receiver can tell it came from this Anjing.

The signature covers the body only, and the body carries `sent_at` (the same Unix seconds as the
timestamp header), so a receiver that checks both can refuse a replayed message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from alerts.channels.base import Delivery, Notice
from alerts.channels.http import HttpSender, status_delivery
from alerts.channels.webhook.config import WebhookConfig

SIGNATURE_HEADER = "X-Anjing-Signature"
TIMESTAMP_HEADER = "X-Anjing-Timestamp"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def __init__(self, config: WebhookConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._secret = config.secret.get_secret_value()
        self._clock = clock
        self._http = HttpSender(timeout=config.timeout, secrets=[self._secret])

    @property
    def id(self) -> str:
        return self._config.id

    async def send(self, notice: Notice) -> Delivery:
        sent_at = int(self._clock())
        payload = {field.name: getattr(notice, field.name) for field in dataclasses.fields(notice)}
        payload |= {"channel": self.id, "sent_at": sent_at}
        body = json.dumps(payload, ensure_ascii=False, default=dict).encode()  # default: params, a Mapping
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(self._secret, body),
            TIMESTAMP_HEADER: str(sent_at),
        }
        response = await self._http.post(self._config.url, content=body, headers=headers)
        if isinstance(response, Delivery):
            return response
        return status_delivery(response, [self._secret])

    async def aclose(self) -> None:
        await self._http.aclose()
