"""Liveness and readiness for process supervisors and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import ContextDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="服务健康 / service health")
async def healthz(context: ContextDep, response: Response) -> Health:
    """`ok` when the store answers and no device is offline; 503 only when the store cannot be read."""
    states = [s.online for s in context.board]
    try:
        stored = await context.store.count()
    except Exception:  # any store failure means not ready; the error itself is logged by the store
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        stored = -1
    offline = states.count(False)
    return Health(
        status="ok" if offline == 0 and stored >= 0 else "degraded",
        site=context.site.config.site.name,
        devices_online=states.count(True),
        devices_offline=offline,
        devices_unknown=states.count(None),
        readings_pending=context.pending,
        readings_stored=stored,
    )
