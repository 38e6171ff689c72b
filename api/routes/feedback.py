"""Visitor feedback: the public form's submission and QR code, and the cases for duty and managers.

`POST /api/v1/feedback` is public (the lobby kiosk and visitors' phones have no login) and rate-limited
per screen (its address plus the browser's token) and site-wide; it answers only the case number.
Reading cases needs `read`, with phone numbers masked. Acknowledging and answering need `acknowledge`
(duty and up: the person on shift goes to look, turns down the heating, and tells the visitor);
closing needs `sign` (manager and up: closing ends the case for the 6.1 record and purges the
visitor's number, so it is the manager's call, as signing the checklist is). Every change is audited.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import segno
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.auth import Permission, Principal
from api.deps import ContextDep, client_address, require
from api.problems import problem_responses
from api.timefmt import parse_query_time
from feedback import (
    Case,
    FeedbackError,
    FeedbackService,
    Kind,
    RateLimited,
    UnknownCase,
    label,
    masked,
)

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"], responses=problem_responses(404))
Handler = Annotated[Principal, Depends(require(Permission.ACKNOWLEDGE))]
Closer = Annotated[Principal, Depends(require(Permission.SIGN))]
READ = [Depends(require(Permission.READ))]
CaseId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the case number")]
T = TypeVar("T")
BUSY = "提交太频繁，请稍等一分钟再试 / too many at once: please try again in a minute"


class FeedbackIn(BaseModel):
    kind: Kind = Field(description="hot 太热, cold 太冷, air 空气不好, dark 太暗, restroom, blocked, other")
    zone: str = Field(min_length=1, max_length=64, description="a public zone's id")
    text: str = Field(default="", max_length=2000, description="the visitor's own words (optional)")
    phone: str = Field(default="", max_length=32, description="a mainland mobile for the answer (optional)")
    screen: str = Field(default="", max_length=64, description="the kiosk browser's token (rate limit)")
    source: str = Field(default="kiosk", pattern="^(kiosk|phone)$")


class Receipt(BaseModel):
    id: int
    message: str


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=2000, description="what was done, as told to the visitor")


class CloseIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class CasePublic(BaseModel):
    id: int
    opened: datetime
    kind: Kind
    kind_text: str
    zone: str
    source: str
    text: str
    phone: str | None = Field(description="masked: 138****5678; gone once the case is closed")
    summary: str
    evidence: list[dict[str, Any]]
    confirmed: bool
    deadline: datetime
    late: bool
    state: str
    acked_by: str | None
    acked_at: datetime | None
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    reply: str | None
    closed_by: str | None
    closed_at: datetime | None
    note: str | None


def _time(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def case_public(case: Case) -> CasePublic:
    return CasePublic(
        id=case.id,
        opened=datetime.fromtimestamp(case.opened, UTC),
        kind=case.kind,
        kind_text=label(case.kind),
        zone=case.zone,
        source=case.source,
        text=case.text,
        phone=masked(case.phone),
        summary=case.summary,
        evidence=case.evidence,
        confirmed=case.confirmed,
        deadline=datetime.fromtimestamp(case.deadline, UTC),
        late=case.late(datetime.now(UTC).timestamp()),
        state=case.state.value,
        acked_by=case.acked_by,
        acked_at=_time(case.acked_at),
        answer=case.answer,
        answered_by=case.answered_by,
        answered_at=_time(case.answered_at),
        reply=case.reply,
        closed_by=case.closed_by,
        closed_at=_time(case.closed_at),
        note=case.note,
    )


def _service(context: ContextDep) -> FeedbackService:
    if context.feedback is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "未启用访客反馈 / visitor feedback is off: add feedback: {} to the site",
        )
    return context.feedback


Service = Annotated[FeedbackService, Depends(_service)]


async def _guarded(call: Awaitable[T]) -> T:
    """404 for an unknown case, 409 for a change its state refuses, 422 for bad input."""
    try:
        return await call
    except UnknownCase as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except FeedbackError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post(
    "",
    response_model=Receipt,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(422, 429),
    summary="提交访客反馈 / submit feedback (public, rate-limited)",
)
async def submit(body: FeedbackIn, request: Request, service: Service, context: ContextDep) -> Receipt:
    """A visitor's complaint from the kiosk or a phone; answers only the case number."""
    address = client_address(request)
    try:
        service.limiter.take(f"{address}|{body.screen}")
    except RateLimited as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, BUSY, headers={"Retry-After": str(int(exc.retry_after) + 1)}
        ) from None
    try:
        case = await service.submit(
            body.kind, body.zone, text=body.text, phone=body.phone, source=body.source
        )
    except ValueError as exc:  # FeedbackError and PhoneError: the visitor's input
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    public = case_public(case)
    await context.audit.record(
        context.auth.anonymous(address),
        "feedback.submit",
        f"case/{case.id}",
        after=public.model_dump(mode="json"),
    )
    return Receipt(
        id=case.id, message=f"已收到，编号 {case.id}，谢谢！/ Received, number {case.id}. Thank you!"
    )


@router.get(
    "/qr",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
    summary="反馈二维码 / QR code of the phone feedback page (public)",
)
async def qr(
    request: Request,
    context: ContextDep,
    zone: Annotated[str, Query(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")] = "",
) -> Response:
    """An SVG QR code that opens `/feedback?zone=…` at the site's public URL (or this request's)."""
    base = context.site.config.site.public_url or str(request.base_url)
    url = base.rstrip("/") + "/feedback" + (f"?zone={zone}" if zone else "")
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, title="扫码反馈 / scan to give feedback"
    )
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})


@router.get("", response_model=list[CasePublic], dependencies=READ, summary="反馈列表 / cases, open first")
async def cases(
    service: Service,
    context: ContextDep,
    start: str | None = None,
    end: str | None = None,
    zone: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 — FastAPI copies it
) -> list[CasePublic]:
    tz = context.site.config.site.tz
    since = parse_query_time(start, "start", tz, datetime.fromtimestamp(0, UTC)).timestamp()
    until = parse_query_time(end, "end", tz, datetime.max.replace(tzinfo=UTC)).timestamp()
    return [case_public(c) for c in await service.cases(since, until, zone)]


@router.get("/{case}", response_model=CasePublic, dependencies=READ, summary="一件反馈 / one case")
async def one(case: CaseId, service: Service) -> CasePublic:
    return case_public(await _guarded(service.case(case)))


async def _change(
    actor: Principal,
    verb: str,
    ident: int,
    *,
    service: FeedbackService,
    context: ContextDep,
    change: Callable[[], Awaitable[Case]],
) -> CasePublic:
    before = case_public(await _guarded(service.case(ident)))
    after = case_public(await _guarded(change()))
    await context.audit.record(
        actor,
        f"feedback.{verb}",
        f"case/{ident}",
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    return after


@router.post(
    "/{case}/acknowledge",
    response_model=CasePublic,
    responses=problem_responses(409),
    summary="受理 / acknowledge",
)
async def acknowledge(actor: Handler, case: CaseId, service: Service, context: ContextDep) -> CasePublic:
    return await _change(
        actor,
        "acknowledge",
        case,
        service=service,
        context=context,
        change=lambda: service.acknowledge(case, actor.name),
    )


@router.post(
    "/{case}/answer", response_model=CasePublic, responses=problem_responses(409), summary="答复 / answer"
)
async def answer(
    actor: Handler, case: CaseId, body: AnswerIn, service: Service, context: ContextDep
) -> CasePublic:
    """Record the answer; it is texted to the visitor when they left a number and `reply_channel` is set."""
    return await _change(
        actor,
        "answer",
        case,
        service=service,
        context=context,
        change=lambda: service.answer(case, actor.name, body.answer),
    )


@router.post(
    "/{case}/close", response_model=CasePublic, responses=problem_responses(409), summary="结案 / close"
)
async def close(
    actor: Closer, case: CaseId, body: CloseIn, service: Service, context: ContextDep
) -> CasePublic:
    """Close the case; the visitor's phone number is purged."""
    return await _change(
        actor,
        "close",
        case,
        service=service,
        context=context,
        change=lambda: service.close(case, actor.name, body.note),
    )
