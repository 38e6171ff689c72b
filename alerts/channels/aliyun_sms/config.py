"""`type: aliyun_sms`: an AccessKey pair, the approved signature and template, the per-phone budget."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.channels.fields import Secret
from alerts.channels.sms import SmsConfig

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


class AliyunSmsConfig(SmsConfig):
    type: Literal["aliyun_sms"] = "aliyun_sms"
    access_key_id: Secret = Field(
        description="write `${ALIYUN_ACCESS_KEY_ID}` (a RAM user with SMS rights only)"
    )
    access_key_secret: Secret = Field(description="write `${ALIYUN_ACCESS_KEY_SECRET}`")
    endpoint: str = Field(default=DEFAULT_ENDPOINT, pattern=r"^https?://", description="tests: loopback")
    region: str = Field(default="cn-hangzhou", min_length=1)
