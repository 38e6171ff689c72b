"""Liveness and readiness for process supervisors and load balancers."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response, status

from api.deps import ContextDep
from api.schemas import Health
from storage import StoreError

router = APIRouter(tags=["health"])
log = logging.getLogger("anjing.api")


@router.get("/healthz", response_model=Health, summary="服务健康 / service health")
async def healthz(context: ContextDep, response: Response) -> Health:
    """`ok` when the store reads and writes and every device answers; 503 when the store cannot be read."""
    error = context.store_error
    try:
        await context.store.ping()
    except StoreError as exc:
        log.warning("健康检查：存储不可读 / health check: store unreadable: %s", exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        error = str(exc)
    states = [s.online for s in context.board]
    offline = states.count(False)
    outbox = context.outbox
    return Health(
        status="ok" if offline == 0 and error is None else "degraded",
        site=context.site.config.site.name,
        devices_online=states.count(True),
        devices_offline=offline,
        devices_unknown=states.count(None),
        readings_pending=context.pending,
        readings_stored=context.stored,
        store_error=error,
        outbox_depth=outbox.depth if outbox else None,
        outbox_state=outbox.state.value if outbox else None,
    )
