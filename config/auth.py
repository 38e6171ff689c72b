"""`api.auth:` — how long sign-ins last, the login lock-out, and what the anonymous public may read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config.types import Seconds


class ApiAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    anonymous_role: Literal["viewer"] | None = Field(
        default=None,
        description="let anyone on the network read without signing in (never change anything); "
        "the kiosk's public subset needs no sign-in either way",
    )
    session_idle: Seconds = Field(default=8 * 3600.0, gt=0, description="sign out after this long idle")
    session_max: Seconds = Field(default=7 * 86400.0, gt=0, description="sign out this long after signing in")
    login_attempts: int = Field(default=5, ge=1, le=100, description="failed logins before a lock-out")
    lockout: Seconds = Field(default=900.0, gt=0, description="how long a lock-out lasts")
