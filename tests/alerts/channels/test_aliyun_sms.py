from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote

from alerts.channels import build_channel
from alerts.channels.aliyun_sms import AliyunSmsChannel, AliyunSmsConfig, rpc_signature
from tests.alerts.channels.notices import notice
from tests.alerts.channels.receiver import Answer, Receiver, Request

KEY_ID = "LTAI5tTestKeyId0001"
KEY_SECRET = "aliyun-secret-甲-0001"
PHONE = "13800138000"


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_380_000.0  # 2025-11-29 09:33 UTC+8

    def __call__(self) -> float:
        return self.now


def config(receiver: Receiver) -> AliyunSmsConfig:
    return AliyunSmsConfig.model_validate(
        {
            "id": "duty-sms",
            "type": "aliyun_sms",
            "access_key_id": KEY_ID,
            "access_key_secret": KEY_SECRET,
            "sign_name": "安境物业",
            "template": "SMS_460725001",
            "params": ["room", "what", "link"],
            "endpoint": f"{receiver.url}/",
            "daily_cap": 3,
        }
    )


def encode(value: str) -> str:
    return quote(value, safe="-_.~")


def dysmsapi(code: str = "OK") -> Answer:
    return Answer(
        body=json.dumps({"Code": code, "Message": code, "RequestId": "F655A8D5", "BizId": "9006"}).encode()
    )


def verify(request: Request) -> dict[str, str]:
    """The gateway's checks: a form POST signed with RPC signature 1.0, recomputed here by hand."""
    assert (request.method, request.path) == ("POST", "/")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    signature = form.pop("Signature")
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(form.items()))
    string_to_sign = "POST&%2F&" + encode(canonical)
    expected = base64.b64encode(
        hmac.new(f"{KEY_SECRET}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert signature == expected
    assert form["AccessKeyId"] == KEY_ID
    assert (form["Action"], form["Version"], form["SignatureMethod"]) == (
        "SendSms",
        "2017-05-25",
        "HMAC-SHA1",
    )
    assert form["SignName"] == "安境物业"
    assert form["TemplateCode"] == "SMS_460725001"
    assert all(isinstance(value, str) for value in json.loads(form["TemplateParam"]).values())
    return form


def test_signature_matches_the_documented_example() -> None:
    """The example of Aliyun's "签名机制" page: DescribeRegions, AccessKeySecret `testsecret`."""
    params = {
        "Timestamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert rpc_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


async def test_send_signed_without_urls(receiver: Receiver) -> None:
    receiver.respond = lambda request: dysmsapi()
    channel = build_channel(config(receiver))
    params = {"room": "会议室", "what": "甲醛 0.12 mg/m³", "link": "详见 https://anjing.local/a/1"}
    delivery = await channel.send(notice(addresses=(f"+86{PHONE}", "duty@example.com"), params=params))
    await channel.aclose()
    assert delivery.ok, delivery.answer
    [form] = [verify(request) for request in receiver.requests]
    assert form["PhoneNumbers"] == PHONE
    assert json.loads(form["TemplateParam"]) == {"room": "会议室", "what": "甲醛 0.12 mg/m³", "link": "详见"}
    assert KEY_ID not in delivery.answer


async def test_business_limit_is_throttled(receiver: Receiver) -> None:
    receiver.respond = lambda request: dysmsapi("isv.BUSINESS_LIMIT_CONTROL")
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=(PHONE,)))
    await channel.aclose()
    assert (delivery.ok, delivery.throttled, delivery.recoverable) == (False, True, True)


async def test_refused_template_is_final_and_5xx_recoverable(receiver: Receiver) -> None:
    channel = build_channel(config(receiver))
    receiver.respond = lambda request: dysmsapi("isv.SMS_TEMPLATE_ILLEGAL")
    refused = await channel.send(notice(addresses=(PHONE,)))
    receiver.respond = lambda request: Answer(status=503, body=b"{}")
    unavailable = await channel.send(notice(addresses=(PHONE,)))
    await channel.aclose()
    assert (refused.ok, refused.recoverable) == (False, False)
    assert (unavailable.ok, unavailable.recoverable) == (False, True)


async def test_budget_per_phone(receiver: Receiver) -> None:
    receiver.respond = lambda request: dysmsapi()
    clock = Clock()
    channel = AliyunSmsChannel(config(receiver), clock=clock)
    same = notice(addresses=(PHONE,), params={"room": "会议室"})
    assert (await channel.send(same)).ok
    clock.now += 10
    repeat = await channel.send(same)
    assert (repeat.ok, repeat.throttled, repeat.retry_after) == (False, True, 20.0)
    other = notice(addresses=(PHONE, "13900139000"), params={"room": "大厅"})
    assert (await channel.send(other)).ok  # different content: not a repeat
    clock.now += 30
    assert (await channel.send(same)).ok  # third today for PHONE
    clock.now += 60
    capped = await channel.send(notice(addresses=(PHONE, "13900139000"), params={"room": "前台"}))
    assert (capped.ok, capped.throttled) == (True, True)  # sent to 139…, held back for the capped 138…
    assert "+86138****8000" in capped.answer
    await channel.aclose()
    sent = [verify(request)["PhoneNumbers"] for request in receiver.requests]
    assert sent == [PHONE, f"{PHONE},13900139000", PHONE, "13900139000"]


async def test_notice_without_phone_is_not_sent(receiver: Receiver) -> None:
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=("duty@example.com", "@all")))
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable, delivery.throttled) == (False, False, False)
    assert receiver.requests == []
