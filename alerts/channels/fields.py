"""Config pieces every channel shares: the channel id, the request timeout and secrets.

A secret is written `${WECOM_KEY}` in the site YAML and resolved by the loader; an empty value (a
variable set to "") or a reference left unresolved is refused here, so a channel never starts
without its credential and the error names the key.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from config.types import IDENTIFIER_PATTERN, Seconds


def _refuse_empty(value: SecretStr) -> SecretStr:
    secret = value.get_secret_value()
    if not secret.strip():
        raise ValueError("密钥为空 / empty secret: set the environment variable the `${…}` reference names")
    if secret.startswith("${"):
        raise ValueError("密钥未替换 / unresolved secret reference: the loader must substitute `${…}`")
    return value


Secret = Annotated[SecretStr, AfterValidator(_refuse_empty)]


class ChannelBase(BaseModel):
    """Fields of every channel; `type` (the discriminator) is declared by each channel's model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=IDENTIFIER_PATTERN, description="the channel's id, named by receivers")
    timeout: Seconds = Field(default=10.0, gt=0, le=120, description="one request, connect to answer")
