"""Readings: the latest value of every sensor, and one sensor's history, raw or in windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import ContextDep
from api.problems import problem_responses
from api.schemas import BucketPublic, ReadingPublic, ReadingSeries
from api.timefmt import parse_query_time, to_site
from config.types import parse_duration
from sensors import Quality, Reading
from sensors.catalog import SensorInfo

router = APIRouter(prefix="/api/v1/readings", tags=["readings"], responses=problem_responses(404))

MAX_BUCKETS = 20_000
MAX_RAW = 10_000
MIN_EVERY = 1.0
MAX_EVERY = 366 * 86400.0


def reading_public(
    reading: Reading, info: SensorInfo | None, context: ContextDep, now: datetime
) -> ReadingPublic:
    """A reading as the user should see it: stale when its device went silent or it is too old."""
    quality = reading.quality
    if info is not None and quality is not Quality.BAD:
        device = context.board.get(info.device)
        too_old = (now - reading.ts).total_seconds() > info.stale_after
        if too_old or (device is not None and device.online is False):
            quality = Quality.STALE
    return ReadingPublic(
        sensor=reading.sensor,
        quantity=reading.quantity.value,
        value=reading.value,
        unit=reading.quantity.info.unit,
        state=reading.state,
        quality=quality.value,
        ts=to_site(reading.ts, context.site.config.site.tz),
    )


@router.get("/latest", response_model=list[ReadingPublic], summary="最新读数 / latest readings")
async def latest(
    context: ContextDep,
    zone: Annotated[str | None, Query(description="only this zone's sensors", examples=["hall"])] = None,
    sensor: Annotated[
        list[str] | None, Query(description="sensor ids; all when absent", examples=[["aq-hall-1.co2"]])
    ] = None,
) -> list[ReadingPublic]:
    catalog = context.catalog
    wanted = [s for s in (sensor or catalog) if zone is None or (s in catalog and catalog[s].zone == zone)]
    _known(wanted, context)
    now = datetime.now(UTC)
    readings = await context.store.latest(wanted)
    return [reading_public(r, catalog.get(r.sensor), context, now) for r in readings]


@router.get("", response_model=ReadingSeries, summary="历史读数 / reading history")
async def history(
    context: ContextDep,
    sensor: Annotated[
        str, Query(description="a sensor id (see /api/v1/sensors)", examples=["aq-hall-1.co2"])
    ],
    start: Annotated[
        str | None, Query(description="ISO 8601; default end − 24 h", examples=["2026-11-28T08:30:00+08:00"])
    ] = None,
    end: Annotated[
        str | None, Query(description="ISO 8601; default now", examples=["2026-11-28T17:30:00+08:00"])
    ] = None,
    every: Annotated[
        str | None, Query(description="window such as 1m, 5m, 1h; raw readings when absent", examples=["1h"])
    ] = None,
) -> ReadingSeries:
    _known([sensor], context)
    tz = context.site.config.site.tz
    now = datetime.now(UTC)
    t_end = parse_query_time(end, "end", tz, now)
    t_start = parse_query_time(start, "start", tz, t_end - timedelta(hours=24))
    if t_start >= t_end:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "start 必须早于 end / start must be before end"
        )
    info = context.catalog[sensor]
    series = ReadingSeries(
        sensor=sensor,
        unit=info.unit,
        start=to_site(t_start, tz),
        end=to_site(t_end, tz),
        every_seconds=None,
    )
    if every is None:
        raw = await context.store.raw(sensor, t_start, t_end, limit=MAX_RAW + 1)
        series.truncated = len(raw) > MAX_RAW
        series.readings = [reading_public(r, None, context, now) for r in raw[:MAX_RAW]]
        return series
    seconds = _every(every, (t_end - t_start).total_seconds())
    buckets = await context.store.aggregate(sensor, t_start, t_end, seconds)
    series.every_seconds = seconds
    series.buckets = [
        BucketPublic(
            start=to_site(b.start, tz),
            count=b.count,
            bad=b.bad,
            mean=b.mean,
            min=b.min,
            max=b.max,
            last=b.last,
        )
        for b in buckets
    ]
    return series


def _every(text: str, span: float) -> float:
    try:
        seconds = float(parse_duration(text))
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "every 须在 1s 与 366d 之间 / every must be from 1s to 366d",
        )
    if span / seconds > MAX_BUCKETS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"窗口过多 / too many windows: {span / seconds:.0f} > {MAX_BUCKETS}; use a larger `every` or a shorter range",
        )
    return seconds


def _known(sensors: list[str], context: ContextDep) -> None:
    unknown = [s for s in sensors if s not in context.catalog]
    if unknown:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"未知传感器 / unknown sensor(s): {', '.join(unknown)} — see /api/v1/sensors",
        )
