"""The monthly compliance report (`/api/v1/reports/monthly`): JSON for the dashboard, files to hand over.

Needs `export` (manager and up). The JSON form is the report model itself (`compliance.MonthlyReport`),
the contract the dashboard's Reports page builds on; XLSX, PDF and CSV (a zip, one file per section)
are rendered from the same model, so every figure agrees. Each request is audited (`report.export`).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import problem_responses
from compliance import MonthlyReport, PeriodError, ReportError, build_report, from_service, month_period
from compliance import previous_month as last_month
from compliance.formats import MEDIA_TYPES, render
from config.compliance import ReportFormat

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=problem_responses(404, 422))
Exporter = Annotated[Principal, Depends(require(Permission.EXPORT))]


class Format(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    PDF = "pdf"
    CSV = "csv"


_FILES: dict[str, Any] = {
    MEDIA_TYPES[f]: {"schema": {"type": "string", "format": "binary"}} for f in ReportFormat
}


@router.get(
    "/monthly",
    summary="月度合规报告 / monthly compliance report",
    response_model=MonthlyReport,
    responses={
        200: {
            "description": "the report as JSON, or as an XLSX, PDF or CSV (zip) download",
            "content": _FILES,
        }
    },
)
async def monthly(
    context: ContextDep,
    actor: Exporter,
    *,
    month: Annotated[
        str | None,
        Query(description="YYYY-MM in site time; default the previous month", examples=["2026-10"]),
    ] = None,
    zone: Annotated[list[str] | None, Query(description="zones (repeat the parameter); default all")] = None,
    format: Annotated[Format, Query(description="json, xlsx, pdf or csv")] = Format.JSON,
) -> Response:
    tz = context.site.config.site.tz
    try:
        period = month_period(month or last_month(datetime.now(UTC), tz), tz)
    except PeriodError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    try:
        report = await build_report(from_service(context), period, list(dict.fromkeys(zone or [])))
    except ReportError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{exc} — see /api/v1/zones") from None
    await context.audit.record(
        actor,
        "report.export",
        f"monthly/{period.month}",
        after={"zones": report.zones, "format": format.value},
    )
    if format is Format.JSON:
        return Response(report.model_dump_json(), media_type="application/json")
    rendered = await asyncio.to_thread(render, report, ReportFormat(format.value))  # the PDF takes a while
    disposition = f'attachment; filename="{_ascii(rendered.filename)}"'
    return Response(
        rendered.content, media_type=rendered.media_type, headers={"Content-Disposition": disposition}
    )


def _ascii(name: str) -> str:
    """A header-safe file name (zone ids are ASCII already; anything else becomes `_`)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)
