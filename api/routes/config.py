"""The running configuration (`/api/v1/config`): its checksum, and reloading it without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import PROBLEM_JSON, Problem, problem_responses, title
from config.running import ConfigStatus, ReloadOutcome, ReloadResult

router = APIRouter(prefix="/api/v1/config", tags=["config"])

REJECTED_TYPE = "urn:anjing:problem:config-rejected"
FAILED_TYPE = "urn:anjing:problem:config-reload-failed"


class ReloadProblem(Problem):
    """A reload that was not applied: `outcome.issues` lists each problem as `file:line: key: message — hint`."""

    outcome: ReloadOutcome


@router.get(
    "",
    response_model=ConfigStatus,
    summary="运行中的配置 / the running configuration",
    dependencies=[Depends(require(Permission.READ))],
)
async def status(context: ContextDep) -> ConfigStatus:
    """The site file, the checksum of every file it was loaded from (`config/fingerprint.py`), when it
    was loaded, the changes waiting for a restart, and the last reload's outcome."""
    return context.config_status


@router.post(
    "/reload",
    response_model=ReloadOutcome,
    summary="重新加载配置 / reload the configuration",
    responses=problem_responses(422, 500),
)
async def reload(
    context: ContextDep,
    request: Request,
    actor: Annotated[Principal, Depends(require(Permission.CONFIG))],
) -> ReloadOutcome | JSONResponse:
    """Re-read the site file and check it as at start. Valid: applied in place — devices and buses
    added, removed or changed, alerts, zones — and only the buses whose settings or devices changed
    are restarted; keys that need a restart are listed in `restart_needed`, not applied. Invalid (422):
    nothing changes, the running config stays. Audited as `config.reload` either way."""
    outcome = await context.reload(actor)
    if outcome.result is ReloadResult.APPLIED:
        return outcome
    rejected = outcome.result is ReloadResult.REJECTED
    code = 422 if rejected else 500
    problem = ReloadProblem(
        type=REJECTED_TYPE if rejected else FAILED_TYPE,
        title=title(code),
        status=code,
        detail=outcome.summary,
        instance=request.url.path,
        outcome=outcome,
    )
    return JSONResponse(problem.model_dump(mode="json", exclude_none=True), code, media_type=PROBLEM_JSON)
