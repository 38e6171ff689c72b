"""The site's `feedback:` section: visitors' complaints from the lobby kiosk and phones (specification 6.1).

How long a case may stay unanswered, how hard the public form may be pressed, and which SMS channel
(from `notify.channels`) carries the answer back to a visitor who left a number.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.errors import ConfigIssue, InvalidValue
from config.source import Source
from config.types import IDENTIFIER_PATTERN, Seconds


class FeedbackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_within: Seconds = Field(
        default=86400.0, gt=0, description="a case unanswered this long is overdue (6.1: within the set time)"
    )
    escalate_after: Seconds | None = Field(
        default=None,
        gt=0,
        description="an unanswered case this old raises the critical alert; the deadline when absent",
    )
    per_screen: int = Field(default=3, ge=1, le=100, description="submissions per screen per minute")
    per_hour: int = Field(default=30, ge=1, le=10_000, description="public submissions per hour, site-wide")
    reply_channel: str | None = Field(
        default=None,
        pattern=IDENTIFIER_PATTERN,
        description="an SMS channel of notify.channels that texts the answer to a visitor's number",
    )
    text_max: int = Field(default=200, ge=1, le=2000, description="characters of a visitor's own words")

    @model_validator(mode="after")
    def _escalate_after_deadline(self) -> Self:
        if self.escalate_after is not None and self.escalate_after < self.answer_within:
            raise InvalidValue(
                "升级时限早于答复时限 / escalate_after is shorter than answer_within",
                "escalate a case only once it is overdue: escalate_after ≥ answer_within",
                key="escalate_after",
            )
        return self

    @property
    def escalate_at(self) -> float:
        """Seconds after submission that an unanswered case escalates."""
        return self.answer_within if self.escalate_after is None else self.escalate_after


SMS_TYPES = frozenset({"aliyun_sms", "tencent_sms"})


def check_feedback(data: dict[str, Any], source: Source) -> list[ConfigIssue]:
    """`feedback.reply_channel` names an SMS channel of `notify.channels` (on the data as written)."""
    feedback, notify = data.get("feedback"), data.get("notify")
    channel = feedback.get("reply_channel") if isinstance(feedback, dict) else None
    if not isinstance(channel, str):
        return []
    listed = notify.get("channels") if isinstance(notify, dict) else None
    types = {
        c.get("id"): c.get("type")
        for c in (listed if isinstance(listed, list) else [])
        if isinstance(c, dict)
    }
    if types.get(channel) in SMS_TYPES:
        return []
    sms = sorted(str(ident) for ident, kind in types.items() if kind in SMS_TYPES)
    return [
        source.issue(
            ("feedback", "reply_channel"),
            f"不是短信通道 / {channel!r} is not an SMS channel of notify.channels",
            f"valid: {', '.join(sms) or '(no aliyun_sms or tencent_sms channel defined)'}",
        )
    ]
