from __future__ import annotations

import json

from alerts.channels import build_channel
from alerts.channels.base import Channel
from alerts.channels.wecom import WecomChannel, WecomConfig, markdown_content, truncate_utf8
from tests.alerts.channels.notices import LINK, notice
from tests.alerts.channels.receiver import Answer, Receiver, Request

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def config(receiver: Receiver) -> WecomConfig:
    return WecomConfig.model_validate(
        {"id": "duty-wecom", "type": "wecom", "key": KEY, "base_url": receiver.url}
    )


def errcode(code: int, message: str = "ok") -> Answer:
    return Answer(body=json.dumps({"errcode": code, "errmsg": message}).encode())


def robot(request: Request) -> Answer:
    """WeCom's checks, as documented for webhook/send."""
    assert request.method == "POST"
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": [KEY]}
    message = json.loads(request.body)
    kind = message["msgtype"]
    if kind == "markdown":
        assert len(message["markdown"]["content"].encode()) <= 4096
    elif kind == "text":
        assert len(message["text"]["content"].encode()) <= 2048
        assert all(
            m == "@all" or (m.isdigit() and len(m) == 11) for m in message["text"]["mentioned_mobile_list"]
        )
    else:
        return errcode(40008, "invalid message type")
    return errcode(0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_markdown_then_mention(receiver: Receiver) -> None:
    receiver.respond = robot
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=("+8613800138000", "wang@example.com", "@all")))
    await channel.aclose()
    assert delivery.ok, delivery.answer
    markdown, text = (json.loads(request.body) for request in receiver.requests)
    assert "会议室" in markdown["markdown"]["content"]
    assert LINK in markdown["markdown"]["content"]
    assert text["text"]["mentioned_mobile_list"] == ["13800138000", "@all"]
    assert KEY not in delivery.answer


async def test_no_mobiles_no_text(receiver: Receiver) -> None:
    receiver.respond = robot
    channel = build_channel(config(receiver))
    assert (await channel.send(notice(addresses=("wang@example.com",)))).ok
    await channel.aclose()
    assert [json.loads(request.body)["msgtype"] for request in receiver.requests] == ["markdown"]


async def test_errcode_with_http_200_is_a_failure(receiver: Receiver) -> None:
    receiver.respond = lambda request: errcode(93000, f"invalid webhook url, key={KEY}")
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice())
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, False)
    assert "93000" in delivery.answer
    assert KEY not in delivery.answer


async def test_rate_limit_errcode_is_throttled(receiver: Receiver) -> None:
    receiver.respond = lambda request: errcode(45009, "api freq out of limit")
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice())
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable, delivery.throttled) == (False, True, True)


async def test_5xx_recoverable_4xx_not(receiver: Receiver) -> None:
    channel: Channel = build_channel(config(receiver))
    receiver.respond = lambda request: Answer(status=502, body=b"bad gateway")
    assert (await channel.send(notice())).recoverable
    receiver.respond = lambda request: Answer(status=404, body=b"")
    assert not (await channel.send(notice())).recoverable
    await channel.aclose()


async def test_21st_message_in_a_minute_is_held_back(receiver: Receiver) -> None:
    receiver.respond = robot
    clock = Clock()
    channel = WecomChannel(config(receiver), clock=clock)
    for second in range(20):
        clock.now = 1000.0 + second
        assert (await channel.send(notice())).ok
    clock.now = 1030.0
    held = await channel.send(notice())
    assert (held.ok, held.throttled, held.retry_after) == (False, True, 30.0)
    assert len(receiver.requests) == 20
    clock.now = 1060.0  # the first message has left the window
    assert (await channel.send(notice())).ok
    await channel.aclose()
    assert len(receiver.requests) == 21


def test_markdown_truncation_keeps_utf8_and_link() -> None:
    long = notice(body="甲醛超标，请开窗通风。" * 400)
    content = markdown_content(long)
    encoded = content.encode()
    assert len(encoded) <= 4096
    assert encoded.decode() == content
    assert content.endswith(f"({LINK})")
    assert "…" in content


def test_truncate_utf8_cuts_at_a_character() -> None:
    assert truncate_utf8("安境", 6) == "安境"
    assert truncate_utf8("安境安境", 8) == "安…"  # 3 bytes + "…" (3 bytes) ≤ 8, never half of 境
