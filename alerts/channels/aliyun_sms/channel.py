"""Send a notice's template to its phones through Aliyun's `SendSms` (API version 2017-05-25).

One request carries every phone the budget allows (`PhoneNumbers`, comma-separated); the answer's
`Code` is "OK" on success. Mainland numbers are sent as 11 digits, others as country code and number
without "+", as the API expects.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from alerts.channels.aliyun_sms.config import AliyunSmsConfig
from alerts.channels.aliyun_sms.signing import rpc_signature
from alerts.channels.base import Delivery, Notice
from alerts.channels.http import HttpSender
from alerts.channels.sms import SmsBudget, held_back, template_values, with_held

THROTTLED = ("isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling")
RECOVERABLE = ("ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR")


def aliyun_number(phone: str) -> str:
    """`13800138000` for +86 numbers, `85212345678` for others: SendSms takes no "+"."""
    return phone.removeprefix("+86") if phone.startswith("+861") else phone.removeprefix("+")


class AliyunSmsChannel:
    def __init__(self, config: AliyunSmsConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._key_id = config.access_key_id.get_secret_value()
        self._secret = config.access_key_secret.get_secret_value()
        self._clock = clock
        self._budget = SmsBudget(config, clock=clock)
        self._http = HttpSender(timeout=config.timeout, secrets=[self._key_id, self._secret])

    @property
    def id(self) -> str:
        return self._config.id

    async def send(self, notice: Notice) -> Delivery:
        values = template_values(self._config, notice.params)
        plan = self._budget.plan(notice, values)
        if (nothing := held_back(plan)) is not None:
            return nothing
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self._config.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": ",".join(map(aliyun_number, plan.phones)),
            "SignName": self._config.sign_name,
            "TemplateCode": self._config.template,
            "TemplateParam": json.dumps(
                dict(zip(self._config.params, values, strict=True)), ensure_ascii=False
            ),
        }
        params["Signature"] = rpc_signature("POST", params, self._secret)
        response = await self._http.post(
            self._config.endpoint,
            content=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        delivery = (
            response if isinstance(response, Delivery) else self._judge(response.status_code, response.text)
        )
        if delivery.ok:
            self._budget.spend(plan.phones, plan.content)
        return with_held(delivery, plan)

    def _judge(self, status: int, text: str) -> Delivery:
        answer = self._http.redact(f"HTTP {status}: {text}")
        try:
            code = str(json.loads(text)["Code"])
        except (ValueError, KeyError, TypeError):
            return Delivery(ok=False, answer=answer, recoverable=status >= 500)
        if code == "OK":
            return Delivery(ok=True, answer=answer)
        if code.startswith(THROTTLED):
            return Delivery(ok=False, answer=answer, recoverable=True, throttled=True, retry_after=60.0)
        return Delivery(ok=False, answer=answer, recoverable=status >= 500 or code.startswith(RECOVERABLE))

    async def aclose(self) -> None:
        await self._http.aclose()
