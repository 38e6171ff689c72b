"""Manual and laboratory results: entered one by one or imported, judged against the catalog, kept.

GB/T 18883 gives bacteria, benzo[a]pyrene, trichloroethylene, tetrachloroethylene and radon's annual
mean by sampling and laboratory analysis, and a GB/T 5700 lighting survey is made with a handheld
meter: no sensor stream holds them. `LabBook` turns what a manager enters into `LabResult`s — value
converted to the catalog's unit, the zone's limit, compliant or not — and appends them to the
`LabStore`. A survey is entered as the results of its rules (`gb-50034-2013/illuminance-office` for
Eav in lx, `gb-50034-2013/uniformity-office` for U0), method `GB/T 5700 …`.

The monthly report reads them with `results(path_or_store, start, end, zones)`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from compliance.lab_catalog import LabCatalog, LabCheckError
from compliance.lab_store import LabResult, LabStore
from config.loader import Site


def lab_path(site: Site) -> Path:
    """The site's SQLite file, where the results live beside the readings."""
    return site.resolve(site.config.storage.sqlite.path).resolve()


@dataclass(frozen=True, slots=True)
class LabEntry:
    """A result as a manager gives it (any convertible unit; `sampled_at` timezone-aware)."""

    parameter: str
    zone: str
    value: float
    unit: str
    sampled_at: datetime
    method: str
    laboratory: str
    report_no: str
    note: str = ""
    corrects: int | None = None


class LabBook:
    """Checks entries against the site's catalog and appends them to the store."""

    def __init__(self, catalog: LabCatalog, store: LabStore) -> None:
        self.catalog, self.store = catalog, store

    def judge(self, entry: LabEntry, entered_by: str, source: str = "api") -> LabResult:
        """The result `entry` makes; LabCheckError (column, problem, fix) when it cannot be judged."""
        if entry.sampled_at.tzinfo is None:
            raise LabCheckError("sampled_at", "缺少时区 / no timezone", "give an offset, e.g. +08:00")
        if entry.sampled_at > datetime.now(UTC):
            raise LabCheckError("sampled_at", "采样时间在未来 / sampled in the future", "check the date")
        for column, text in (
            ("method", entry.method),
            ("laboratory", entry.laboratory),
            ("report_no", entry.report_no),
        ):
            if not text.strip():
                raise LabCheckError(column, "必填 / required", f"give the {column.replace('_', ' ')}")
        limit = self.catalog.limit(entry.parameter, entry.zone, entry.sampled_at)
        value, unit = self.catalog.convert(entry.parameter, entry.value, entry.unit)
        if value < 0:
            raise LabCheckError("value", f"数值为负 / negative value {entry.value:g}", "a result is ≥ 0")
        return LabResult(
            id=0,
            parameter=limit.parameter,
            name=limit.name,
            zone=entry.zone,
            value=value,
            unit=unit,
            limit=limit.text,
            compliant=limit.compliant(value),
            standard=limit.standard,
            clause=limit.clause,
            method=entry.method.strip(),
            laboratory=entry.laboratory.strip(),
            report_no=entry.report_no.strip(),
            sampled_at=entry.sampled_at.astimezone(UTC),
            entered_by=entered_by,
            entered_at=datetime.now(UTC),
            corrects=entry.corrects,
            entered_value=entry.value,
            entered_unit=entry.unit,
            note=entry.note,
            source=source,
            confidence=limit.confidence,
            override_reason=limit.override_reason,
        )

    async def record(self, results: Sequence[LabResult]) -> list[LabResult]:
        """Append judged results, all or none."""
        return await self.store.append(results)


async def results(
    source: Path | LabStore, start: datetime, end: datetime, zones: Collection[str] | None = None
) -> list[LabResult]:
    """Results in force (corrections applied) sampled in [start, end) in `zones` (all when None), in
    the order entered. `source`: the site's SQLite file, or an open LabStore."""
    if isinstance(source, LabStore):
        store: LabStore = source
        return await store.results(start=start, end=end, zones=zones)
    async with await LabStore.open(source) as opened:
        return await opened.results(start=start, end=end, zones=zones)
