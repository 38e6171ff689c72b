"""`type: email`: the SMTP relay, its login (password from the environment) and the From address."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from alerts.channels.fields import ChannelBase, Secret

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class EmailConfig(ChannelBase):
    type: Literal["email"] = "email"
    host: str = Field(min_length=1, description="the SMTP relay, e.g. smtp.exmail.qq.com")
    port: int = Field(default=587, ge=1, le=65535, description="587 for STARTTLS, 465 for implicit TLS")
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="`none` only on a trusted local relay"
    )
    username: str | None = Field(default=None, description="login; omit for an open local relay")
    password: Secret | None = Field(default=None, description="write `${SMTP_PASSWORD}`")
    sender: str = Field(pattern=EMAIL_PATTERN, description="the From address, e.g. anjing@example.com")
    to: list[str] = Field(
        default_factory=list, description="used when a notice carries no e-mail address of its own"
    )
    ca_cert: Path | None = Field(default=None, description="CA bundle for a relay with a private CA")

    @model_validator(mode="after")
    def _login_complete(self) -> Self:
        if (self.username is None) != (self.password is None):
            raise ValueError("username 与 password 须同时给出 / give both username and password, or neither")
        return self
