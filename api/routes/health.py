"""Liveness (`/healthz`) and readiness (`/readyz`) for process supervisors and load balancers.

Liveness asks whether the process is sound: it touches no file and no network, and fails (503)
only when a part that should run for as long as the service has stopped — which only a restart
mends. Readiness asks whether the service does its work now: the store answers a read within
READY_TIMEOUT and takes writes, and every part runs; it fails (503) while the store is away or a
part is down. Offline devices fail neither: they are the building's problem, shown in the body and
raised as alerts. Both are open to anonymous callers, as probes are.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Response, status

from api.context import ServiceContext
from api.deps import ContextDep
from api.schemas import Check, Health, Readiness
from storage import StoreError

router = APIRouter(tags=["health"])
log = logging.getLogger("anjing.api")

READY_TIMEOUT = 2.0  # seconds the store has to answer a readiness probe's read
NOT_CACHED = {"Cache-Control": "no-store"}


@router.get(
    "/healthz",
    response_model=Health,
    summary="存活 / liveness",
    responses={503: {"model": Health, "description": "a part stopped: restart the service"}},
)
async def healthz(context: ContextDep, response: Response) -> Health:
    """`ok`, `degraded` (devices offline, store failing) or `failed` (503: a part stopped)."""
    response.headers.update(NOT_CACHED)
    parts = dict(context.parts)
    error = context.store_error
    states = [s.online for s in context.board]
    offline = states.count(False)
    verdict: Literal["ok", "degraded", "failed"] = "ok" if offline == 0 and error is None else "degraded"
    if any(problem is not None for problem in parts.values()):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        verdict = "failed"
    outbox = context.outbox
    return Health(
        status=verdict,
        site=context.site.config.site.name,
        parts=parts,
        devices_online=states.count(True),
        devices_offline=offline,
        devices_unknown=states.count(None),
        readings_pending=context.pending,
        readings_stored=context.stored,
        store_error=error,
        outbox_depth=outbox.depth if outbox else None,
        outbox_state=outbox.state.value if outbox else None,
    )


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="就绪 / readiness",
    responses={503: {"model": Readiness, "description": "the store is away or a part is down"}},
)
async def readyz(context: ContextDep, response: Response) -> Readiness:
    """`ready` when the store reads and writes and every part runs; 503 `not_ready` naming what fails."""
    response.headers.update(NOT_CACHED)
    checks = {"store": await _store_check(context)}
    checks |= {part: Check(ok=problem is None, detail=problem) for part, problem in context.parts.items()}
    ready = all(check.ok for check in checks.values())
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(status="ready" if ready else "not_ready", checks=checks)


async def _store_check(context: ServiceContext) -> Check:
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await context.store.ping()
    except TimeoutError:
        return Check(
            ok=False, detail=f"存储 {READY_TIMEOUT:g} 秒内无应答 / no answer within {READY_TIMEOUT:g} s"
        )
    except StoreError as exc:
        log.warning("就绪检查：存储不可读 / readiness: store unreadable: %s", exc)
        return Check(ok=False, detail=f"存储不可读 / cannot read the store: {exc}")
    error = context.store_error
    return Check(ok=error is None, detail=None if error is None else f"写入失败 / writes fail: {error}")
