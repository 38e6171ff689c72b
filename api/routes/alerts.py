"""Alerts: what is active now, the recorded history, acknowledgement and silences.

Every alert carries its evidence — value, limit, the standard's clause and wording, and the
`confidence` of the catalog value — so a manager and an assessor see why it was raised. Acknowledging
needs the `acknowledge` permission (duty and up), silencing `silence` (manager and up).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from alerts import AlertError, AlertState, SilenceKind
from alerts.silence import MATCHER_KEYS, Silence
from api.auth.principal import Principal
from api.auth.roles import Permission
from api.deps import ContextDep, require
from api.problems import problem_responses
from api.timefmt import parse_query_time

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
Acknowledger = Annotated[Principal, Depends(require(Permission.ACKNOWLEDGE))]
Silencer = Annotated[Principal, Depends(require(Permission.SILENCE))]


class AlertPublic(BaseModel):
    """An alert as it stands, with the evidence an assessor needs: value, limit, standard and clause."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "gb-t-18883-2022/hcho-1h@aq-meeting.hcho",
                    "rule": "gb-t-18883-2022/hcho-1h",
                    "name": "甲醛 1小时平均 / Formaldehyde 1-hour mean",
                    "subject": "aq-meeting.hcho",
                    "zone": "meeting",
                    "state": "firing",
                    "since": "2026-11-28T10:42:00+08:00",
                    "severity": "warning",
                    "value": 0.112,
                    "unit": "mg/m³",
                    "limit": "≤ 0.08 mg/m³",
                    "standard": "GB/T 18883-2022",
                    "clause": "表 1",
                    "wording": "甲醛 HCHO ≤ 0.08 mg/m³（1 h 平均）",
                    "confidence": "high",
                    "override_reason": "",
                    "basis": "",
                    "acked_by": None,
                    "comment": "",
                    "silenced_by": [],
                }
            ]
        }
    )

    key: str
    rule: str
    name: str
    subject: str
    zone: str | None
    state: AlertState
    since: datetime
    severity: str
    value: float | None
    unit: str
    limit: str
    standard: str
    clause: str
    wording: str
    confidence: str = Field(description="how sure the catalog is of the limit: high … unconfirmed, policy")
    override_reason: str
    basis: str = Field(description="how the value is obtained when not from the sensors alone (a survey)")
    acked_by: str | None
    comment: str
    silenced_by: list[str]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"key": "gb-51309-2018/lamp-fault@em-ctrl.lamp_3", "comment": "已派人更换"}]
        }
    )

    key: str = Field(description="the alert's key, e.g. gb-t-18883-2022/hcho-1h@aq-meeting.hcho")
    comment: str = ""


class SilenceIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "matchers": {"zone": "meeting"},
                    "end": "2026-11-28T18:00:00+08:00",
                    "reason": "会议室装修 / meeting room being refurbished",
                    "kind": "maintenance",
                }
            ]
        }
    )

    matchers: dict[str, str] = Field(description=f"label → value; labels: {', '.join(MATCHER_KEYS)}")
    start: datetime | None = None
    end: datetime
    reason: str = Field(min_length=1)
    kind: SilenceKind = SilenceKind.SILENCE


class SilencePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7c1f0a2e",
                    "matchers": {"zone": "meeting"},
                    "start": "2026-11-28T09:00:00+08:00",
                    "end": "2026-11-28T18:00:00+08:00",
                    "reason": "会议室装修 / meeting room being refurbished",
                    "created_by": "zhang.wei",
                    "kind": "maintenance",
                }
            ]
        }
    )

    id: str
    matchers: dict[str, str]
    start: datetime
    end: datetime
    reason: str
    created_by: str
    kind: SilenceKind


def _silence_public(silence: Silence, context: ContextDep) -> SilencePublic:
    tz = context.site.config.site.tz
    return SilencePublic(
        id=silence.id,
        matchers=silence.matchers,
        start=datetime.fromtimestamp(silence.start, tz),
        end=datetime.fromtimestamp(silence.end, tz),
        reason=silence.reason,
        created_by=silence.created_by,
        kind=silence.kind,
    )


@router.get("", response_model=list[AlertPublic], summary="当前告警 / active alerts")
async def list_alerts(
    context: ContextDep,
    *,
    state: AlertState | None = None,
    severity: str | None = None,
    zone: str | None = None,
    rule: str | None = None,
) -> list[AlertPublic]:
    engine = context.alerts.engine
    tz = context.site.config.site.tz
    now = time.time()
    out = []
    for binding, current in engine.shown():
        if (state and current.state is not state) or (severity and binding.severity.value != severity):
            continue
        if (zone and binding.zone != zone) or (rule and binding.rule_id != rule):
            continue
        spec = binding.rule
        out.append(
            AlertPublic(
                key=binding.key,
                rule=binding.rule_id,
                name=binding.name,
                subject=binding.subject,
                zone=binding.zone,
                state=current.state,
                since=datetime.fromtimestamp(current.since, tz),
                severity=binding.severity.value,
                value=current.value,
                unit=binding.unit,
                limit=binding.limit_text,
                standard=binding.standard,
                clause=spec.source.clause if spec else "",
                wording=spec.source.wording if spec else "",
                confidence=spec.confidence.value if spec else "",
                override_reason=binding.override_reason,
                basis=binding.basis,
                acked_by=current.acked_by,
                comment=current.comment,
                silenced_by=[s.id for s in engine.silences if s.mutes(binding, now)],
            )
        )
    return out


@router.get("/history", summary="告警历史 / alert transitions, newest first")
async def history(
    context: ContextDep,
    *,
    start: str | None = None,
    end: str | None = None,
    key: str | None = None,
    zone: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    tz = context.site.config.site.tz
    epoch = datetime.fromtimestamp(0, UTC)
    since = parse_query_time(start, "start", tz, epoch)
    until = parse_query_time(end, "end", tz, datetime.now(UTC))
    return await context.alerts.store.history(
        start=since.timestamp(), end=until.timestamp() + 0.001, key=key, zone=zone, limit=limit
    )


@router.post(
    "/acknowledge", summary="确认告警 / acknowledge a firing alert", responses=problem_responses(409)
)
async def acknowledge(body: AcknowledgeIn, context: ContextDep, user: Acknowledger) -> dict[str, Any]:
    engine = context.alerts.engine
    before = engine.status(body.key).to_json() if body.key in engine.bindings else None
    try:
        transition = await context.alerts.acknowledge(body.key, user.name, body.comment)
    except AlertError as exc:
        await context.audit.record(
            user, "alert.acknowledge", body.key, before=before, outcome=f"refused: {exc}"
        )
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    after = transition.to_json()
    await context.audit.record(
        user, "alert.acknowledge", body.key, before=before, after=after, detail=body.comment
    )
    return after


@router.get("/silences", response_model=list[SilencePublic], summary="静默与维护窗口 / silences")
async def list_silences(context: ContextDep) -> list[SilencePublic]:
    return [_silence_public(s, context) for s in context.alerts.engine.silences]


@router.post(
    "/silences",
    response_model=SilencePublic,
    summary="新建静默 / create a silence",
    responses=problem_responses(422),
)
async def create_silence(body: SilenceIn, context: ContextDep, user: Silencer) -> SilencePublic:
    start = (body.start or datetime.now(UTC)).timestamp()
    try:
        silence = await context.alerts.silence(
            body.matchers,
            start=start,
            end=body.end.timestamp(),
            reason=body.reason,
            user=user.name,
            kind=body.kind,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await context.audit.record(user, "alert.silence", silence.id, after=silence.to_json(), detail=body.reason)
    return _silence_public(silence, context)


@router.delete(
    "/silences/{ident}",
    response_model=SilencePublic,
    summary="结束静默 / end a silence now",
    responses=problem_responses(404),
)
async def expire_silence(ident: str, context: ContextDep, user: Silencer) -> SilencePublic:
    before = next((s.to_json() for s in context.alerts.engine.silences if s.id == ident), None)
    try:
        silence = await context.alerts.expire(ident)
    except AlertError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    await context.audit.record(user, "alert.unsilence", ident, before=before, after=silence.to_json())
    return _silence_public(silence, context)
