from __future__ import annotations

import hashlib
import hmac
import json

from alerts.channels import build_channel
from alerts.channels.webhook import WebhookConfig
from tests.alerts.channels.notices import LINK, notice
from tests.alerts.channels.receiver import Answer, Receiver, Request, free_port

SECRET = "whsec-对-0123456789"


def config(receiver: Receiver) -> WebhookConfig:
    return WebhookConfig.model_validate(
        {"id": "ops-hook", "type": "webhook", "url": f"{receiver.url}/hooks/anjing", "secret": SECRET}
    )


def verified(request: Request) -> Answer:
    """The receiver's side: recompute the HMAC over the raw body and compare in constant time."""
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    good = hmac.compare_digest(expected, request.headers["x-anjing-signature"])
    payload = json.loads(request.body)
    fresh = str(payload["sent_at"]) == request.headers["x-anjing-timestamp"]
    return Answer(status=204 if good and fresh else 401)


async def test_signed_notice_is_accepted(receiver: Receiver) -> None:
    receiver.respond = verified
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=("+8613800138000",), params={"room": "会议室"}))
    await channel.aclose()
    assert delivery.ok, delivery.answer
    [request] = receiver.requests
    assert request.path == "/hooks/anjing"
    assert request.headers["content-type"].startswith("application/json")
    payload = json.loads(request.body)
    assert payload["subject"].startswith("【告警】会议室")
    assert payload["link"] == LINK
    assert payload["addresses"] == ["+8613800138000"]
    assert payload["params"] == {"room": "会议室"}
    assert payload["channel"] == "ops-hook"


async def test_5xx_is_recoverable_and_4xx_is_not(receiver: Receiver) -> None:
    channel = build_channel(config(receiver))
    receiver.respond = lambda request: Answer(status=503, body=f"down, secret={SECRET}".encode())
    unavailable = await channel.send(notice())
    receiver.respond = lambda request: Answer(status=400, body=b"bad")
    refused = await channel.send(notice())
    await channel.aclose()
    assert (unavailable.ok, unavailable.recoverable) == (False, True)
    assert (refused.ok, refused.recoverable) == (False, False)
    assert SECRET not in unavailable.answer


async def test_no_answer_is_recoverable() -> None:
    channel = build_channel(
        WebhookConfig.model_validate(
            {"id": "gone", "url": f"http://127.0.0.1:{free_port()}/", "secret": SECRET, "timeout": "1s"}
        )
    )
    delivery = await channel.send(notice())
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, True)
