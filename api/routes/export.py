"""The raw-data export: readings of chosen sensors and range, streamed as CSV or Parquet.

Needs `export` (manager and up): the file may hold a year of every reading. The body is produced chunk
by chunk from the store's keyset cursor (compliance/raw.py), never built whole; the audit log records
who exported what before the first byte is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import StreamingResponse

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import problem_responses
from api.timefmt import parse_query_time
from compliance.raw import ExportFormat, export_chunks, filename

router = APIRouter(prefix="/api/v1/export", tags=["export"], responses=problem_responses(404))
Exporter = Annotated[Principal, Depends(require(Permission.EXPORT))]


@router.get(
    "/readings",
    summary="原始读数导出 / raw readings export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "CSV (UTF-8 with BOM) or Parquet, streamed",
            "content": {
                ExportFormat.CSV.media_type: {"schema": {"type": "string"}},
                ExportFormat.PARQUET.media_type: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def readings(
    context: ContextDep,
    actor: Exporter,
    *,
    sensor: Annotated[
        list[str],
        Query(description="sensor ids (repeat the parameter)", examples=[["aq-hall-1.co2"]], min_length=1),
    ],
    start: Annotated[
        str | None, Query(description="ISO 8601; default end − 24 h", examples=["2026-10-01T00:00:00+08:00"])
    ] = None,
    end: Annotated[
        str | None, Query(description="ISO 8601; default now", examples=["2026-11-01T00:00:00+08:00"])
    ] = None,
    format: Annotated[ExportFormat, Query(description="csv or parquet")] = ExportFormat.CSV,
) -> StreamingResponse:
    wanted = list(dict.fromkeys(sensor))
    unknown = [s for s in wanted if s not in context.catalog]
    if unknown:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"未知传感器 / unknown sensor(s): {', '.join(unknown[:20])} — see /api/v1/sensors",
        )
    tz = context.site.config.site.tz
    end_at = parse_query_time(end, "end", tz, datetime.now(UTC))
    start_at = parse_query_time(start, "start", tz, end_at - timedelta(days=1))
    if start_at >= end_at:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "start 须早于 end / start must be before end"
        )
    name = filename(start_at, end_at, format, tz)
    await context.audit.record(
        actor,
        "export.readings",
        name,
        after={"sensors": wanted, "start": start_at.isoformat(), "end": end_at.isoformat(), "format": format},
    )
    return StreamingResponse(
        # the Store protocol has no stream(); the service's store is a SqliteStore, which does
        export_chunks(context.store, wanted, start_at, end_at, fmt=format, tz=tz),  # type: ignore[arg-type]
        media_type=format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
