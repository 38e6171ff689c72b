"""Manual and laboratory results: enter one, import a CSV file of them, list them.

Entering and importing need `export` (manager and up: they become part of the compliance record);
listing needs `read`. Each result is judged against the zone's limit when entered and kept
append-only; a correction is a new result whose `corrects` names the old one. Every entry and import
is audited. An import stores the whole file or nothing, and a refused file lists every bad line.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.auth import Permission, Principal
from api.deps import ContextDep, require
from api.problems import FieldIssue, Problem, problem_response, problem_responses, title
from api.timefmt import parse_query_time
from compliance.lab import LabBook, LabEntry, lab_path
from compliance.lab_catalog import LabCatalog, LabCheckError
from compliance.lab_import import LabImportError, read_results
from compliance.lab_store import CorrectionError, LabResult, LabStore
from config.standards import load_standards

router = APIRouter(prefix="/api/v1/lab", tags=["lab"], responses=problem_responses(409, 422))
Enterer = Annotated[Principal, Depends(require(Permission.EXPORT))]
READ = [Depends(require(Permission.READ))]
MAX_FILE = 2 * 1024 * 1024
ResultId = Annotated[int, Field(ge=1, le=2**63 - 1, description="the id of the result this one corrects")]


class LabResultIn(BaseModel):
    parameter: str = Field(
        description="a lab parameter (bacteria, benzo_a_pyrene, trichloroethylene, tetrachloroethylene), "
        "a quantity (hcho, radon …) or a rule id (gb-50034-2013/uniformity-office)",
        examples=["bacteria"],
        max_length=200,
    )
    zone: str = Field(examples=["hall"], max_length=64)
    value: float = Field(ge=0, allow_inf_nan=False, examples=[820])
    unit: str = Field(description="converted to the catalog's unit", examples=["CFU/m³"], max_length=32)
    sampled_at: datetime = Field(description="when sampled; without offset: site time")
    method: str = Field(examples=["GB/T 18883-2022 附录 …"], max_length=500)
    laboratory: str = Field(max_length=500)
    report_no: str = Field(max_length=200)
    note: str = Field(default="", max_length=2000)
    corrects: ResultId | None = None


class LabResultPublic(BaseModel):
    id: int
    parameter: str
    name: str
    zone: str
    value: float
    unit: str
    limit: str = Field(description="the zone's limit; empty when none applies")
    compliant: bool | None = Field(description="null when no limit applies in the zone")
    standard: str
    clause: str
    confidence: str
    override_reason: str
    method: str
    laboratory: str
    report_no: str
    sampled_at: datetime
    entered_value: float
    entered_unit: str
    entered_by: str
    entered_at: datetime
    corrects: int | None
    note: str
    source: str


def _public(result: LabResult, context: ContextDep) -> LabResultPublic:
    tz = context.site.config.site.tz
    data: dict[str, Any] = {name: getattr(result, name) for name in LabResultPublic.model_fields}
    data["sampled_at"], data["entered_at"] = (
        result.sampled_at.astimezone(tz),
        result.entered_at.astimezone(tz),
    )
    return LabResultPublic(**data)


def _catalog(request: Request, context: ContextDep) -> LabCatalog:
    """Built once per running site (a reload brings a new one): the catalog files are read once."""
    cached: LabCatalog | None = getattr(request.app.state, "lab_catalog", None)
    if cached is None or cached.site is not context.site:
        cached = LabCatalog(context.site, load_standards())
        request.app.state.lab_catalog = cached
    return cached


Catalog = Annotated[LabCatalog, Depends(_catalog)]


async def _store(book: LabBook, results: list[LabResult]) -> list[LabResult]:
    try:
        return await book.record(results)
    except CorrectionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post(
    "/results",
    status_code=status.HTTP_201_CREATED,
    response_model=LabResultPublic,
    summary="录入检测结果 / enter a laboratory or manual result",
)
async def enter(body: LabResultIn, context: ContextDep, actor: Enterer, catalog: Catalog) -> LabResultPublic:
    sampled = body.sampled_at
    if sampled.tzinfo is None:
        sampled = sampled.replace(tzinfo=context.site.config.site.tz)
    entry = LabEntry(**(body.model_dump() | {"sampled_at": sampled}))
    async with await LabStore.open(lab_path(context.site)) as store:
        book = LabBook(catalog, store)
        try:
            judged = book.judge(entry, actor.name)
        except LabCheckError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        (stored,) = await _store(book, [judged])
    await context.audit.record(actor, "lab.enter", f"lab/{stored.id}", after=stored.to_json())
    return _public(stored, context)


@router.post(
    "/results/import",
    status_code=status.HTTP_201_CREATED,
    response_model=list[LabResultPublic],
    summary="导入检测结果 CSV / import a CSV file of results (all or nothing)",
    responses=problem_responses(413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "the file (config/examples/lab-results.csv is a template)",
        }
    },
)
async def import_csv(
    request: Request,
    context: ContextDep,
    actor: Enterer,
    catalog: Catalog,
    name: Annotated[
        str, Query(description="the file's name, for the error report", max_length=200)
    ] = "upload.csv",
) -> list[LabResultPublic] | JSONResponse:
    if request.headers.get("content-type", "").split(";")[0].strip() != "text/csv":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "请上传 CSV / send the file as text/csv")
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > MAX_FILE:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"文件过大 / larger than {MAX_FILE} bytes")
    async with await LabStore.open(lab_path(context.site)) as store:
        book = LabBook(catalog, store)
        try:
            judged = read_results(book, name, bytes(data), actor.name, context.site.config.site.tz)
        except LabImportError as exc:
            await context.audit.record(actor, "lab.import", name, outcome="refused", detail=str(exc))
            return _refused(request, exc)
        stored = await _store(book, judged)
    await context.audit.record(
        actor, "lab.import", name, after={"results": [r.id for r in stored], "lines": len(stored)}
    )
    return [_public(r, context) for r in stored]


def _refused(request: Request, exc: LabImportError) -> JSONResponse:
    problem = Problem(
        title=title(422),
        status=422,
        detail=f"文件未导入，{len(exc.issues)} 行有误 / nothing imported: {len(exc.issues)} bad line(s)\n{exc}",
        instance=request.url.path,
        errors=[
            FieldIssue(loc=["body", i.line, i.column], msg=str(i), type="lab_result") for i in exc.issues
        ],
    )
    return problem_response(problem)


@router.get(
    "/results",
    response_model=list[LabResultPublic],
    dependencies=READ,
    summary="检测结果 / laboratory and manual results",
)
async def listing(
    context: ContextDep,
    start: Annotated[str | None, Query(description="sampled from (ISO 8601); default end − 1 year")] = None,
    end: Annotated[str | None, Query(description="sampled before (ISO 8601); default now")] = None,
    zone: Annotated[list[str] | None, Query(description="only these zones")] = None,
    corrected: Annotated[bool, Query(description="include results a later one corrects")] = False,
) -> list[LabResultPublic]:
    tz = context.site.config.site.tz
    end_at = parse_query_time(end, "end", tz, datetime.now(UTC))
    start_at = parse_query_time(start, "start", tz, end_at - timedelta(days=366))
    async with await LabStore.open(lab_path(context.site)) as store:
        found = await store.results(start=start_at, end=end_at, zones=zone, corrected=corrected)
    return [_public(r, context) for r in found]
