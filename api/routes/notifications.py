"""The delivery log and the channels' counters (`/api/v1/notifications`): was the person on duty told?"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from alerts.notify import Notifier
from api.deps import ContextDep
from api.timefmt import parse_query_time

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class DeliveryPublic(BaseModel):
    time: datetime
    alert_keys: list[str]
    receiver: str
    channel: str
    reason: str  # notify | repeat | escalate-N | fallback:…
    outcome: str  # sent | failed | throttled
    answer: str  # the provider's answer, secrets redacted
    attempt: int


class ChannelCounts(BaseModel):
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
    alert: str | None = None,
    receiver: str | None = None,
    since: str | None = None,
    limit: int = 500,
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
