"""Tencent Cloud SMS (腾讯云短信, SendSms 2021-01-11), signed with TC3-HMAC-SHA256 (see README.md)."""

from alerts.channels.tencent_sms.channel import TencentSmsChannel
from alerts.channels.tencent_sms.config import TencentSmsConfig
from alerts.channels.tencent_sms.signing import tc3_authorization

__all__ = ["TencentSmsChannel", "TencentSmsConfig", "tc3_authorization"]
