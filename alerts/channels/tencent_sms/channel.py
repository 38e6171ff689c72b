"""Send a notice's template to its phones through Tencent Cloud's `SendSms` (2021-01-11).

The answer is judged per phone: success only when every `SendStatusSet` entry says "Ok" (HTTP 200
with an `Error` or a failed phone is a failure). `LimitExceeded.*` (the gateway's own 30-second,
hourly and daily caps) is reported as throttled.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from alerts.channels.base import Delivery, Notice
from alerts.channels.http import HttpSender
from alerts.channels.sms import SmsBudget, held_back, template_values, with_held
from alerts.channels.tencent_sms.config import TencentSmsConfig
from alerts.channels.tencent_sms.signing import tc3_authorization

CONTENT_TYPE = "application/json; charset=utf-8"
SERVICE = "sms"
VERSION = "2021-01-11"
THROTTLED = "LimitExceeded"
RECOVERABLE = ("InternalError", "RequestLimitExceeded", "FailedOperation.FailResolvePacket")


class TencentSmsChannel:
    def __init__(self, config: TencentSmsConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._secret_id = config.secret_id.get_secret_value()
        self._secret_key = config.secret_key.get_secret_value()
        self._host = urlsplit(config.endpoint).netloc
        self._clock = clock
        self._budget = SmsBudget(config, clock=clock)
        self._http = HttpSender(timeout=config.timeout, secrets=[self._secret_id, self._secret_key])

    @property
    def id(self) -> str:
        return self._config.id

    async def send(self, notice: Notice) -> Delivery:
        values = template_values(self._config, notice.params)
        plan = self._budget.plan(notice, values)
        if (nothing := held_back(plan)) is not None:
            return nothing
        payload = json.dumps(
            {
                "PhoneNumberSet": plan.phones,
                "SmsSdkAppId": self._config.sdk_app_id,
                "SignName": self._config.sign_name,
                "TemplateId": self._config.template,
                "TemplateParamSet": values,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(self._clock())
        authorization = tc3_authorization(
            secret_id=self._secret_id,
            secret_key=self._secret_key,
            service=SERVICE,
            host=self._host,
            content_type=CONTENT_TYPE,
            payload=payload,
            timestamp=timestamp,
        )
        headers = {
            "Authorization": authorization,
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self._config.region,
        }
        response = await self._http.post(self._config.endpoint, content=payload, headers=headers)
        delivery = (
            response if isinstance(response, Delivery) else self._judge(response.status_code, response.text)
        )
        if delivery.ok:
            self._budget.spend(plan.phones, plan.content)
        return with_held(delivery, plan)

    def _judge(self, status: int, text: str) -> Delivery:
        answer = self._http.redact(f"HTTP {status}: {text}")
        try:
            body: dict[str, Any] = json.loads(text)["Response"]
        except (ValueError, KeyError, TypeError):
            return Delivery(ok=False, answer=answer, recoverable=status >= 500)
        codes = [str(body["Error"]["Code"])] if "Error" in body else []
        codes += [str(entry.get("Code")) for entry in body.get("SendStatusSet", [])]
        if codes and all(code == "Ok" for code in codes):
            return Delivery(ok=True, answer=answer)
        if any(code.startswith(THROTTLED) for code in codes):
            return Delivery(ok=False, answer=answer, recoverable=True, throttled=True, retry_after=30.0)
        recoverable = status >= 500 or any(code.startswith(RECOVERABLE) for code in codes)
        return Delivery(ok=False, answer=answer, recoverable=recoverable)

    async def aclose(self) -> None:
        await self._http.aclose()
