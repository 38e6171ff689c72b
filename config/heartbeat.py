"""`heartbeat:` — a dead man's switch outside the building: silence there means the box itself died."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from config.types import Seconds


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        pattern=r"^https?://",
        description="POSTed every `every` while Anjing is sound (healthchecks.io, Uptime Kuma push, …); "
        "use ${HEARTBEAT_URL}: the address is a secret",
    )
    every: Seconds = Field(default=60.0, ge=1, le=3600)
    fail_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="POSTed instead, with what is wrong, while a part is stopped or the store fails",
    )
    timeout: Seconds = Field(default=10.0, gt=0, le=60)
