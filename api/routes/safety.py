"""Safety: the emergency-plan checklist with live status, sign-offs, inspections on schedule, drills.

Reads need `read`; signing an item and starting, stepping and ending a drill need `sign` (manager and
up); recording an inspection or patrol needs `inspect` (duty and up). Every change is written to the
audit log. Records are never edited: a correction is a new entry whose `corrects` names the old one.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import problem_responses
from api.timefmt import parse_query_time
from safety import (
    DrillKind,
    Entry,
    ItemView,
    JournalError,
    Result,
    SafetyError,
    SafetyService,
    TaskDue,
    UnknownError,
)

router = APIRouter(
    prefix="/api/v1/safety", tags=["safety"], responses=problem_responses(404, 409)
)  # 404 when `safety:` is not configured or nothing has that id; 409 when the records refuse a change
Signer = Annotated[Principal, Depends(require(Permission.SIGN))]
Inspector = Annotated[Principal, Depends(require(Permission.INSPECT))]
READ = [Depends(require(Permission.READ))]
T = TypeVar("T")
EntryId = Annotated[int, Field(ge=1, le=2**63 - 1, description="a journal entry's id")]
DrillId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the drill's id (its start entry's)")]


class SignIn(BaseModel):
    result: Result = Field(description="ok or problem; void only with `corrects`, to withdraw an entry")
    note: str = ""
    corrects: EntryId | None = Field(default=None, description="the id of the sign-off this one corrects")


class InspectionIn(BaseModel):
    result: Result = Field(description="pass or fail; void only with `corrects`")
    performed: datetime | None = Field(default=None, description="when it was done; now when absent")
    values: dict[str, float] = Field(
        default_factory=dict, description="the task's measures, e.g. discharge_duration"
    )
    note: str = ""
    corrects: EntryId | None = Field(default=None, description="the id of the record this one corrects")


class DrillIn(BaseModel):
    section: str = Field(description="the plan section: fire, power-cut …")
    kind: DrillKind = DrillKind.DRILL
    note: str = ""


class StepIn(BaseModel):
    step: str = Field(description="a step or an item of the drill's section")
    result: Result | None = None
    note: str = ""


class EndIn(BaseModel):
    note: str = ""


class FindingPublic(BaseModel):
    subject: str
    device: str | None
    zone: str | None
    name: str
    reason: str
    value: float | None
    state: str | None
    expected: str


class ItemPublic(BaseModel):
    id: str
    section: str
    text: str
    role: str | None
    live: bool = Field(description="linked to sensors or alerts; otherwise checked and signed by hand")
    status: str = Field(description="ok, problem, unknown (never ok on missing data), or manual")
    checked: int = Field(description="sensors and alert bindings looked at")
    problems: list[FindingPublic]
    unknown: list[FindingPublic]
    signed: dict[str, Any] | None = Field(description="the newest sign-off in force")


class TaskPublic(BaseModel):
    task: str
    name: str
    zone: str | None
    every: str
    due: str = Field(description="the date by whose end it must be done (site time)")
    state: str = Field(description="ok, due_soon, overdue")
    remind_at: datetime
    overdue_at: datetime
    last_done: str | None
    last_record: int | None
    limits: dict[str, str]
    standard: str
    clause: str
    confidence: str


def _service(context: ContextDep) -> SafetyService:
    if context.safety is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "未配置应急预案 / no emergency plan: add safety: {plan: …} to the site"
        )
    return context.safety


Service = Annotated[SafetyService, Depends(_service)]


async def _guarded(call: Awaitable[T]) -> T:
    """The service's refusals as HTTP answers: 404 for what does not exist, 409 for what the records refuse."""
    try:
        return await call
    except UnknownError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except (SafetyError, JournalError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def _entry(entry: Entry, service: SafetyService) -> dict[str, Any]:
    return {**entry.to_json(), "time": datetime.fromtimestamp(entry.ts, service.tz).isoformat()}


def _item(view: ItemView, service: SafetyService) -> ItemPublic:
    status_ = view.status.to_json()
    return ItemPublic(
        id=view.item.id,
        section=view.section.id,
        text=view.item.text,
        role=view.item.role,
        live=bool(view.item.live),
        status=status_["status"],
        checked=status_["checked"],
        problems=status_["problems"],
        unknown=status_["unknown"],
        signed=_entry(view.signed, service) if view.signed else None,
    )


def _task(due: TaskDue) -> TaskPublic:
    task, spec = due.task, due.task.spec
    return TaskPublic(
        task=task.id,
        name=task.name,
        zone=task.zone.id if task.zone else None,
        every=task.every.value,
        due=due.due.due.isoformat(),
        state=due.due.state.value,
        remind_at=due.due.remind_at,
        overdue_at=due.due.overdue_at,
        last_done=due.due.last_done.isoformat() if due.due.last_done else None,
        last_record=due.last.id if due.last else None,
        limits={lim.id: lim.text for lim in task.limits},
        standard=spec.source.standard,
        clause=spec.source.clause,
        confidence=spec.source.confidence.value,
    )


def _span(start: str | None, end: str | None, service: SafetyService) -> tuple[float, float]:
    since = parse_query_time(start, "start", service.tz, datetime.fromtimestamp(0, UTC))
    until = parse_query_time(end, "end", service.tz, datetime.now(UTC))
    return since.timestamp(), until.timestamp() + 0.001


@router.get("/plan", dependencies=READ, summary="应急预案 / the emergency plan as configured")
async def plan(service: Service) -> dict[str, Any]:
    return {**service.plan.model_dump(mode="json"), "active_drills": service.active_drills}


@router.get(
    "/checklist",
    response_model=list[ItemPublic],
    dependencies=READ,
    summary="检查表及实时状态 / checklist, live",
)
async def checklist(service: Service, section: str | None = None) -> list[ItemPublic]:
    return [_item(v, service) for v in await _guarded(service.checklist(section))]


@router.post("/checklist/{item}/sign", summary="签署检查项 / sign a checklist item")
async def sign(
    actor: Signer, item: str, body: SignIn, service: Service, context: ContextDep
) -> dict[str, Any]:
    before = (await service.last_signs()).get(item)
    entry = await _guarded(
        service.sign(item, actor.name, result=body.result, note=body.note, corrects=body.corrects)
    )
    after = _entry(entry, service)
    await context.audit.record(
        actor, "safety.sign", item, before=_entry(before, service) if before else None, after=after
    )
    return after


@router.get("/checklist/history", dependencies=READ, summary="签署记录 / sign-offs, oldest first")
async def checklist_history(
    service: Service, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    since, until = _span(start, end, service)
    return [_entry(e, service) for e in await service.checklist_history(start=since, end=until)]


@router.get(
    "/inspections",
    response_model=list[TaskPublic],
    dependencies=READ,
    summary="定期检查到期 / inspections due",
)
async def inspections(service: Service) -> list[TaskPublic]:
    return [_task(due) for due in service.inspections.due()]


@router.get("/inspections/records", dependencies=READ, summary="检查记录 / inspection records, oldest first")
async def inspection_records(
    service: Service, task: str | None = None, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    since, until = _span(start, end, service)
    return [_entry(e, service) for e in await service.inspections.records(task=task, start=since, end=until)]


@router.post("/inspections/{task}", summary="记录检查完成 / record an inspection done")
async def record_inspection(
    actor: Inspector, task: str, body: InspectionIn, service: Service, context: ContextDep
) -> dict[str, Any]:
    before = next((d.last for d in service.inspections.due() if d.task.id == task), None)
    entry = await _guarded(
        service.inspections.record(
            task,
            actor.name,
            result=body.result,
            performed=body.performed,
            values=body.values,
            note=body.note,
            corrects=body.corrects,
        )
    )
    after = _entry(entry, service)
    await context.audit.record(
        actor, "safety.inspect", task, before=_entry(before, service) if before else None, after=after
    )
    return after


@router.post("/drills", summary="开始演练或实战 / start a drill or a real event")
async def start_drill(actor: Signer, body: DrillIn, service: Service, context: ContextDep) -> dict[str, Any]:
    entry = await _guarded(service.start_drill(body.section, actor.name, kind=body.kind, note=body.note))
    await context.audit.record(actor, "safety.drill.start", body.section, after=_entry(entry, service))
    return await service.drill(entry.id)


@router.post("/drills/{drill}/steps", summary="签署演练步骤 / sign a step of a running drill")
async def drill_step(
    actor: Signer, drill: DrillId, body: StepIn, service: Service, context: ContextDep
) -> dict[str, Any]:
    entry = await _guarded(
        service.drill_step(drill, body.step, actor.name, note=body.note, result=body.result)
    )
    after = _entry(entry, service)
    await context.audit.record(actor, "safety.drill.step", f"{drill}/{body.step}", after=after)
    return after


@router.post("/drills/{drill}/end", summary="结束演练 / end a drill: its record")
async def end_drill(
    actor: Signer, drill: DrillId, body: EndIn, service: Service, context: ContextDep
) -> dict[str, Any]:
    record = await _guarded(service.end_drill(drill, actor.name, note=body.note))
    await context.audit.record(actor, "safety.drill.end", str(drill), after=record["summary"])
    return record


@router.get("/drills", dependencies=READ, summary="演练记录 / drill records, oldest first")
async def drills(
    service: Service,
    start: Annotated[str | None, Query(description="ISO 8601: drills started from")] = None,
    end: str | None = None,
) -> list[dict[str, Any]]:
    since, until = _span(start, end, service)
    return await service.drills(start=since, end=until)


@router.get("/drills/{drill}", dependencies=READ, summary="演练记录 / one drill's record")
async def drill_record(drill: DrillId, service: Service) -> dict[str, Any]:
    return await _guarded(service.drill(drill))
