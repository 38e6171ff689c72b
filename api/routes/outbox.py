"""The InfluxDB outbox: depth, age and counters of the forwarder (`/api/v1/outbox`)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContextDep
from api.schemas import OutboxPublic

router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])


@router.get("", response_model=OutboxPublic, summary="InfluxDB 发件箱 / InfluxDB outbox")
async def outbox(context: ContextDep) -> OutboxPublic:
    """Zeros and `configured: false` when `storage.influxdb` is not set."""
    stats = context.outbox
    if stats is None:
        return OutboxPublic(
            configured=False,
            state=None,
            depth=0,
            oldest_age_seconds=None,
            sent=0,
            retried=0,
            quarantined=0,
            dropped=0,
            growing=False,
            last_error=None,
        )
    return OutboxPublic(
        configured=True,
        state=stats.state.value,
        depth=stats.depth,
        oldest_age_seconds=stats.oldest_age,
        sent=stats.sent,
        retried=stats.retried,
        quarantined=stats.quarantined,
        dropped=stats.dropped,
        growing=stats.growing,
        last_error=stats.last_error,
    )
