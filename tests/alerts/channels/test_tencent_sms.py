from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from alerts.channels import build_channel
from alerts.channels.tencent_sms import TencentSmsConfig, tc3_authorization
from tests.alerts.channels.notices import notice
from tests.alerts.channels.receiver import Answer, Receiver, Request

SECRET_ID = "AKIDtestSecretId000000000000000000"
SECRET_KEY = "tencent-secret-key-乙-0001"


def config(receiver: Receiver) -> TencentSmsConfig:
    return TencentSmsConfig.model_validate(
        {
            "id": "duty-tencent",
            "type": "tencent_sms",
            "secret_id": SECRET_ID,
            "secret_key": SECRET_KEY,
            "sdk_app_id": "1400006666",
            "sign_name": "安境物业",
            "template": "1110",
            "params": ["room", "what"],
            "endpoint": f"{receiver.url}/",
        }
    )


def statuses(*codes: str) -> Answer:
    entries = [
        {"SerialNo": "5000:1", "PhoneNumber": "+8613800138000", "Code": code, "Message": code}
        for code in codes
    ]
    return Answer(body=json.dumps({"Response": {"SendStatusSet": entries, "RequestId": "a0aabda6"}}).encode())


def error(code: str) -> Answer:
    return Answer(
        body=json.dumps({"Response": {"Error": {"Code": code, "Message": code}, "RequestId": "x"}}).encode()
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(request: Request) -> dict[str, object]:
    """The gateway's checks: TC3-HMAC-SHA256 recomputed by hand from the request as received."""
    assert (request.method, request.path) == ("POST", "/")
    headers = request.headers
    assert (headers["x-tc-action"], headers["x-tc-version"]) == ("SendSms", "2021-01-11")
    timestamp = int(headers["x-tc-timestamp"])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['content-type']}\nhost:{headers['host']}\n\n"
        f"content-type;host\n{sha256(request.body)}"
    )
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{sha256(canonical.encode())}"
    key = f"TC3{SECRET_KEY}".encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )
    payload: dict[str, object] = json.loads(request.body)
    return payload


def test_signature_matches_the_documented_example() -> None:
    """The example of Tencent Cloud's "签名方法 v3" page (CVM DescribeInstances, its masked key as printed)."""
    authorization = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        content_type="application/json; charset=utf-8",
        payload=b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
        timestamp=1551113065,
    )
    assert authorization.endswith(
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )
    assert "Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request" in authorization


async def test_send_signed_positional(receiver: Receiver) -> None:
    receiver.respond = lambda request: statuses("Ok", "Ok")
    channel = build_channel(config(receiver))
    params = {"what": "甲醛超标 www.example.com/x", "room": "会议室"}
    delivery = await channel.send(notice(addresses=("13800138000", "+86 139-0013-9000"), params=params))
    await channel.aclose()
    assert delivery.ok, delivery.answer
    [payload] = [verify(request) for request in receiver.requests]
    assert payload == {
        "PhoneNumberSet": ["+8613800138000", "+8613900139000"],
        "SmsSdkAppId": "1400006666",
        "SignName": "安境物业",
        "TemplateId": "1110",
        "TemplateParamSet": ["会议室", "甲醛超标"],
    }
    assert SECRET_ID not in delivery.answer


async def test_one_failed_phone_is_a_failure(receiver: Receiver) -> None:
    receiver.respond = lambda request: statuses("Ok", "InvalidParameterValue.IncorrectPhoneNumber")
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=("13800138000", "13900139000")))
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, False)


async def test_limit_exceeded_is_throttled(receiver: Receiver) -> None:
    channel = build_channel(config(receiver))
    receiver.respond = lambda request: statuses("LimitExceeded.PhoneNumberThirtySecondLimit")
    per_phone = await channel.send(notice(addresses=("13800138000",)))
    receiver.respond = lambda request: error("LimitExceeded.AppDailyLimit")
    per_app = await channel.send(notice(addresses=("13800138000",), params={"room": "大厅"}))
    await channel.aclose()
    assert (per_phone.throttled, per_phone.recoverable) == (True, True)
    assert (per_app.throttled, per_app.recoverable) == (True, True)


async def test_auth_failure_is_final_and_secret_redacted(receiver: Receiver) -> None:
    receiver.respond = lambda request: error(f"AuthFailure.SecretIdNotFound {SECRET_ID}")
    channel = build_channel(config(receiver))
    delivery = await channel.send(notice(addresses=("13800138000",)))
    await channel.aclose()
    assert (delivery.ok, delivery.recoverable) == (False, False)
    assert SECRET_ID not in delivery.answer
