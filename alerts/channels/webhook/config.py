"""`type: webhook`: where to POST the notice and the shared secret that signs it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.channels.fields import ChannelBase, Secret


class WebhookConfig(ChannelBase):
    type: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://", description="the receiver's endpoint")
    secret: Secret = Field(description="write `${WEBHOOK_SECRET}`: the HMAC-SHA256 key")
