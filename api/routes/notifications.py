"""The delivery log and the channels' counters (`/api/v1/notifications`): was the person on duty told?"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict

from alerts.notify import Notifier
from api.deps import ContextDep
from api.problems import problem_responses
from api.timefmt import parse_query_time

router = APIRouter(
    prefix="/api/v1/notifications", tags=["notifications"], responses=problem_responses(404)
)  # 404 when `notify:` is not configured


class DeliveryPublic(BaseModel):
    """One delivery attempt of one notice to one receiver over one channel."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time": "2026-11-28T10:16:02+08:00",
                    "alert_keys": ["gb-51309-2018/lamp-fault@em-1.lamp_1"],
                    "receiver": "duty-manager",
                    "channel": "duty-wecom",
                    "reason": "notify",
                    "outcome": "sent",
                    "answer": '{"errcode":0,"errmsg":"ok"}',
                    "attempt": 1,
                }
            ]
        }
    )

    time: datetime
    alert_keys: list[str]
    receiver: str
    channel: str
    reason: str  # notify | repeat | escalate-N | fallback:…
    outcome: str  # sent | failed | throttled
    answer: str  # the provider's answer, secrets redacted
    attempt: int


class ChannelCounts(BaseModel):
    """A channel's counters since the service started."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"channel": "duty-wecom", "sent": 42, "failed": 1, "throttled": 0}]}
    )

    channel: str
    sent: int
    failed: int
    throttled: int


def _notifier(context: ContextDep) -> Notifier:
    if context.notifier is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "通知未配置 / `notify:` is not configured")
    return context.notifier


@router.get("", response_model=list[DeliveryPublic], summary="通知记录 / delivery log")
async def deliveries(
    context: ContextDep,
    alert: Annotated[
        str | None, Query(description="an alert key", examples=["gb-51309-2018/lamp-fault@em-1.lamp_1"])
    ] = None,
    receiver: Annotated[str | None, Query(description="a receiver id", examples=["duty-manager"])] = None,
    since: Annotated[
        str | None, Query(description="ISO 8601", examples=["2026-11-28T00:00:00+08:00"])
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="newest first, at most this many")] = 500,
) -> list[DeliveryPublic]:
    """Every delivery attempt, newest first; filter by alert key, receiver id, and `since` (ISO 8601)."""
    tz = context.site.config.site.tz
    start = parse_query_time(since, "since", tz, datetime.fromtimestamp(0, UTC))
    rows = await _notifier(context).queue.log(
        alert=alert, receiver=receiver, since=start.timestamp(), limit=limit
    )
    return [DeliveryPublic(**row | {"time": datetime.fromtimestamp(row["ts"], tz)}) for row in rows]


@router.get("/channels", response_model=list[ChannelCounts], summary="渠道计数 / per-channel counters")
async def channels(context: ContextDep) -> list[ChannelCounts]:
    """Notices sent and attempts failed or throttled per channel since the service started."""
    return [ChannelCounts(channel=ident, **counts) for ident, counts in _notifier(context).counts().items()]
