"""`type: wecom`: one group robot, known by its webhook key."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.channels.fields import ChannelBase, Secret

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"


class WecomConfig(ChannelBase):
    type: Literal["wecom"] = "wecom"
    key: Secret = Field(description="write `${WECOM_KEY}`: the robot's webhook key is a bearer secret")
    base_url: str = Field(default=DEFAULT_BASE_URL, pattern=r"^https?://", description="tests: loopback")
