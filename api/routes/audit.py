"""The audit log, newest first (the `audit` permission: managers and admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.auth import Permission
from api.deps import ContextDep, require
from api.timefmt import parse_query_time

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(require(Permission.AUDIT))])


class AuditPublic(BaseModel):
    id: int
    time: datetime
    actor: str = Field(examples=["wang.li"])
    via: str = Field(examples=["session"])
    address: str | None = Field(examples=["192.168.1.23"])
    action: str = Field(examples=["alert.acknowledge"])
    target: str = Field(examples=["gb-51309-2018/lamp-fault@em-ctrl.lamp_3"])
    outcome: str = Field(examples=["ok"])
    before: Any
    after: Any
    detail: str


@router.get("", response_model=list[AuditPublic], summary="审计记录 / audit log")
async def list_audit(
    context: ContextDep,
    *,
    start: str | None = None,
    end: str | None = None,
    actor: str | None = None,
    action: Annotated[str | None, Query(description="prefix, e.g. `alert.` or `user.add`")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[AuditPublic]:
    tz = context.site.config.site.tz
    since = parse_query_time(start, "start", tz, datetime.fromtimestamp(0, UTC))
    until = parse_query_time(end, "end", tz, datetime.now(UTC))
    records = await context.audit.list(
        start=since.timestamp(), end=until.timestamp() + 0.001, actor=actor, action=action, limit=limit
    )
    return [
        AuditPublic(
            id=r.id,
            time=datetime.fromtimestamp(r.ts, tz),
            actor=r.actor,
            via=r.via,
            address=r.address,
            action=r.action,
            target=r.target,
            outcome=r.outcome,
            before=r.before,
            after=r.after,
            detail=r.detail,
        )
        for r in records
    ]
