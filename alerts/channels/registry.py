"""The registry: a channel's `type` → its config model and factory, and the discriminated union.

Explicit, not registration by import side effect: adding a channel is one line here and one member
of `ChannelConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, Field

from alerts.channels.aliyun_sms import AliyunSmsChannel, AliyunSmsConfig
from alerts.channels.base import Channel
from alerts.channels.email import EmailChannel, EmailConfig
from alerts.channels.tencent_sms import TencentSmsChannel, TencentSmsConfig
from alerts.channels.webhook import WebhookChannel, WebhookConfig
from alerts.channels.wecom import WecomChannel, WecomConfig

ChannelConfig = Annotated[
    WecomConfig | AliyunSmsConfig | TencentSmsConfig | EmailConfig | WebhookConfig,
    Field(discriminator="type"),
]

REGISTRY: dict[str, tuple[type[BaseModel], Callable[[Any], Channel]]] = {
    "aliyun_sms": (AliyunSmsConfig, AliyunSmsChannel),
    "email": (EmailConfig, EmailChannel),
    "tencent_sms": (TencentSmsConfig, TencentSmsChannel),
    "webhook": (WebhookConfig, WebhookChannel),
    "wecom": (WecomConfig, WecomChannel),
}


def build_channel(config: ChannelConfig) -> Channel:
    """The channel a validated config describes (its HTTP client is opened here, closed by `aclose`)."""
    model, factory = REGISTRY[config.type]
    if not isinstance(config, model):
        raise TypeError(f"config for channel type {config.type!r} must be {model.__name__}")
    return factory(config)
