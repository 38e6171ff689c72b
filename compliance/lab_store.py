"""Manual and laboratory results, append-only, in the site's SQLite file.

`lab_results` holds each result with the judgement made when it was entered (the limit, its standard
and clause, compliant or not) frozen beside it, so a later catalog change never rewrites what was
handed over. Triggers refuse UPDATE and DELETE, as for the audit log and the safety journal: a mistake
is corrected by a new result whose `corrects` names the old one, and readers take the newest of such a
chain. Several results (an imported file) go in one transaction: all of them or none. Own connection
and schema version (`lab_meta`), like `alert_*` and `safety_*`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from storage.connection import OwnConnection, own_tables, transaction

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS lab_meta (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS lab_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        parameter TEXT NOT NULL, name TEXT NOT NULL, zone TEXT NOT NULL,
        value REAL NOT NULL, unit TEXT NOT NULL, entered_value REAL NOT NULL, entered_unit TEXT NOT NULL,
        sampled_at REAL NOT NULL, method TEXT NOT NULL, laboratory TEXT NOT NULL, report_no TEXT NOT NULL,
        note TEXT NOT NULL, source TEXT NOT NULL,
        limit_text TEXT NOT NULL, compliant INTEGER, standard TEXT NOT NULL, clause TEXT NOT NULL,
        confidence TEXT NOT NULL, override_reason TEXT NOT NULL,
        entered_by TEXT NOT NULL, entered_at REAL NOT NULL,
        corrects INTEGER REFERENCES lab_results (id)
    )""",
    "CREATE INDEX IF NOT EXISTS lab_results_sampled ON lab_results (sampled_at)",
    """CREATE TRIGGER IF NOT EXISTS lab_results_no_update BEFORE UPDATE ON lab_results
        BEGIN SELECT RAISE(ABORT, 'laboratory results are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS lab_results_no_delete BEFORE DELETE ON lab_results
        BEGIN SELECT RAISE(ABORT, 'laboratory results are append-only'); END""",
)
_COLUMNS = (
    "parameter, name, zone, value, unit, entered_value, entered_unit, sampled_at, method, laboratory, "
    "report_no, note, source, limit_text, compliant, standard, clause, confidence, override_reason, "
    "entered_by, entered_at, corrects"
)


class CorrectionError(ValueError):
    """A correction naming a result that does not exist."""


@dataclass(frozen=True, slots=True)
class LabResult:
    """One manual or laboratory result, as entered and as judged then. Values in the catalog's unit."""

    id: int  # 0 until stored
    parameter: str  # the catalog's id: gb-t-18883-2022/bacteria, gb-t-18883-2022/hcho-1h, hcho …
    name: str  # 中文 / English
    zone: str
    value: float
    unit: str
    limit: str  # "≤ 1500 CFU/m³"; "" when no limit applies in the zone
    compliant: bool | None  # None: no limit applies
    standard: str  # GB/T 18883-2022
    clause: str
    method: str  # e.g. GB/T 18883-2022 附录 …
    laboratory: str
    report_no: str
    sampled_at: datetime  # UTC
    entered_by: str
    entered_at: datetime  # UTC
    corrects: int | None = None
    entered_value: float = 0.0  # as the report gives it
    entered_unit: str = ""
    note: str = ""
    source: str = ""  # "api", or the imported file and line
    confidence: str = ""
    override_reason: str = ""  # the site's reason when it loosened the limit

    def to_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["sampled_at"] = self.sampled_at.isoformat()
        out["entered_at"] = self.entered_at.isoformat()
        return out


def effective(results: Sequence[LabResult]) -> list[LabResult]:
    """`results` less those a later one among them corrects: what the record says now."""
    corrected = {r.corrects for r in results if r.corrects is not None}
    return [r for r in results if r.id not in corrected]


class LabStore(OwnConnection):
    thread = "anjing-lab"

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        _setup(conn)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def append(self, results: Sequence[LabResult]) -> list[LabResult]:
        """Store every result in one transaction, or none (CorrectionError for a bad `corrects`)."""
        return await self._conn.call(_append, results)

    async def results(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        zones: Collection[str] | None = None,
        corrected: bool = False,
    ) -> list[LabResult]:
        """Results sampled in [start, end) in `zones`, in the order entered; corrected ones only if asked."""
        where, args = ["1=1"], list[Any]()
        if start is not None:
            where.append("sampled_at >= ?")
            args.append(start.timestamp())
        if end is not None:
            where.append("sampled_at < ?")
            args.append(end.timestamp())
        if zones is not None:
            where.append(f"zone IN ({', '.join('?' * len(zones))})")
            args.extend(zones)
        sql = f"SELECT id, {_COLUMNS} FROM lab_results WHERE {' AND '.join(where)} ORDER BY id"
        rows = await self._conn.call(lambda c: c.execute(sql, args).fetchall())
        found = [_result(row) for row in rows]
        if corrected:
            return found
        # a correction may itself fall outside the range: ask which of these any entry corrects
        ids = [r.id for r in found]
        replaced = await self._conn.call(_corrected, ids)
        return [r for r in found if r.id not in replaced]

    async def get(self, ident: int) -> LabResult | None:
        row = await self._conn.call(
            lambda c: c.execute(f"SELECT id, {_COLUMNS} FROM lab_results WHERE id = ?", (ident,)).fetchone()
        )
        return None if row is None else _result(row)


def _setup(conn: sqlite3.Connection) -> None:
    own_tables(conn, _SCHEMA, "lab_meta", SCHEMA_VERSION)


def _append(conn: sqlite3.Connection, results: Sequence[LabResult]) -> list[LabResult]:
    now = time.time()
    stored: list[LabResult] = []
    with transaction(conn):
        for r in results:
            if r.corrects is not None and (
                conn.execute("SELECT 1 FROM lab_results WHERE id = ?", (r.corrects,)).fetchone() is None
            ):
                raise CorrectionError(f"无可更正的结果 / there is no result {r.corrects} to correct")
            row = (
                r.parameter, r.name, r.zone, r.value, r.unit, r.entered_value, r.entered_unit,
                r.sampled_at.timestamp(), r.method, r.laboratory, r.report_no, r.note, r.source, r.limit,
                None if r.compliant is None else int(r.compliant), r.standard, r.clause, r.confidence,
                r.override_reason, r.entered_by, now, r.corrects,
            )  # fmt: skip
            cursor = conn.execute(
                f"INSERT INTO lab_results ({_COLUMNS}) VALUES ({', '.join('?' * len(row))})", row
            )
            assert cursor.lastrowid is not None
            stored.append(_result((cursor.lastrowid, *row)))
    return stored


def _corrected(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    rows = conn.execute(
        "SELECT corrects FROM lab_results WHERE corrects IN (SELECT value FROM json_each(?))",
        (str(ids),),
    )
    return {ident for (ident,) in rows}


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _result(row: tuple[Any, ...]) -> LabResult:
    (
        ident, parameter, name, zone, value, unit, entered_value, entered_unit, sampled_at, method,
        laboratory, report_no, note, source, limit, compliant, standard, clause, confidence,
        override_reason, entered_by, entered_at, corrects,
    ) = row  # fmt: skip
    return LabResult(
        id=ident, parameter=parameter, name=name, zone=zone, value=value, unit=unit, limit=limit,
        compliant=None if compliant is None else bool(compliant), standard=standard, clause=clause,
        method=method, laboratory=laboratory, report_no=report_no, sampled_at=_at(sampled_at),
        entered_by=entered_by, entered_at=_at(entered_at), corrects=corrects,
        entered_value=entered_value, entered_unit=entered_unit, note=note, source=source,
        confidence=confidence, override_reason=override_reason,
    )  # fmt: skip
