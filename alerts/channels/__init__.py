"""Notification channels: one folder per channel (config.py, channel.py, README.md, sample.yaml).

`REGISTRY` maps a channel's `type` to its config model and factory, explicitly (no registration by
import side effect). `config.notify.check_notify` validates each entry of the site's
`notify.channels` against `ChannelConfig`, a union discriminated on `type`, so a wrong key is
reported at its file:line (the config models cannot import this package: `alerts` imports
`config`); `build_channel` turns a validated config into a `Channel`.
"""

from alerts.channels.aliyun_sms import AliyunSmsChannel, AliyunSmsConfig
from alerts.channels.base import Channel, Delivery, Notice
from alerts.channels.email import EmailChannel, EmailConfig
from alerts.channels.registry import REGISTRY, ChannelConfig, build_channel
from alerts.channels.tencent_sms import TencentSmsChannel, TencentSmsConfig
from alerts.channels.webhook import WebhookChannel, WebhookConfig
from alerts.channels.wecom import WecomChannel, WecomConfig

__all__ = [
    "REGISTRY",
    "AliyunSmsChannel",
    "AliyunSmsConfig",
    "Channel",
    "ChannelConfig",
    "Delivery",
    "EmailChannel",
    "EmailConfig",
    "Notice",
    "TencentSmsChannel",
    "TencentSmsConfig",
    "WebhookChannel",
    "WebhookConfig",
    "WecomChannel",
    "WecomConfig",
    "build_channel",
]
