"""`type: tencent_sms`: a SecretId/SecretKey pair, the SMS app, signature and template, the budget."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.channels.fields import Secret
from alerts.channels.sms import SmsConfig

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"


class TencentSmsConfig(SmsConfig):
    type: Literal["tencent_sms"] = "tencent_sms"
    secret_id: Secret = Field(description="write `${TENCENT_SECRET_ID}` (a CAM user with SMS rights only)")
    secret_key: Secret = Field(description="write `${TENCENT_SECRET_KEY}`")
    sdk_app_id: str = Field(pattern=r"^\d+$", description="SmsSdkAppId, e.g. 1400006666")
    endpoint: str = Field(default=DEFAULT_ENDPOINT, pattern=r"^https?://", description="tests: loopback")
    region: str = Field(default="ap-guangzhou", min_length=1)
