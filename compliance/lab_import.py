"""Import laboratory results from a CSV file: every line checked, then all stored or none.

Columns (header required, UTF-8 with or without BOM, as Excel saves it): parameter, zone, value, unit,
sampled_at, method, laboratory, report_no, and optionally note and corrects. A file with any bad
line stores nothing, and the error lists every bad line as `file:line: column: problem — fix`, so
the manager fixes them all at once; `config/examples/lab-results.csv` is a template.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from compliance.lab import LabBook, LabEntry
from compliance.lab_catalog import LabCheckError
from compliance.lab_store import LabResult

REQUIRED = ("parameter", "zone", "value", "unit", "sampled_at", "method", "laboratory", "report_no")
OPTIONAL = ("note", "corrects")
MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class ImportIssue:
    file: str
    line: int
    column: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.problem} — {self.fix}"


class LabImportError(ValueError):
    """The file cannot be imported; `issues` names every bad line. Nothing was stored."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 (`2026-10-12 09:30` or with an offset); a time without offset is site time."""
    parsed = datetime.fromisoformat(text.strip())
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def read_results(book: LabBook, name: str, data: bytes, entered_by: str, tz: ZoneInfo) -> list[LabResult]:
    """Every line of the file as a judged result; LabImportError listing every bad line otherwise."""
    issues: list[ImportIssue] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabImportError(
            [
                ImportIssue(
                    name, 1, "-", f"不是 UTF-8 / not UTF-8 ({exc.reason})", "save the file as CSV UTF-8"
                )
            ]
        ) from None
    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (rows.fieldnames or ())]
    unknown = [c for c in rows.fieldnames or () if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problem = (
            f"缺少列 / missing {', '.join(missing)}" if missing else f"未知列 / unknown {', '.join(unknown)}"
        )
        raise LabImportError(
            [ImportIssue(name, 1, "header", problem, f"header: {','.join(REQUIRED + OPTIONAL)}")]
        )
    out: list[LabResult] = []
    for row in rows:
        line = rows.line_num
        if len(out) + len(issues) >= MAX_ROWS:
            issues.append(
                ImportIssue(name, line, "-", "文件过大 / too many lines", f"split it: ≤ {MAX_ROWS}")
            )
            break
        try:
            out.append(book.judge(_entry(row, tz), entered_by, f"{name}:{line}"))
        except LabCheckError as exc:
            issues.append(ImportIssue(name, line, exc.column, exc.problem, exc.fix))
    if issues:
        raise LabImportError(issues)
    if not out:
        raise LabImportError([ImportIssue(name, 2, "-", "没有结果 / no results", "add one line per result")])
    return out


def _entry(row: dict[str, str | None], tz: ZoneInfo) -> LabEntry:
    cells = {key: (value or "").strip() for key, value in row.items() if key is not None}
    if None in row:
        raise LabCheckError("-", "列数多于表头 / more cells than the header", "quote cells that hold commas")
    try:
        value = float(cells["value"])
    except ValueError:
        raise LabCheckError("value", f"不是数值 / not a number: {cells['value']!r}", "e.g. 0.05") from None
    try:
        sampled_at = parse_time(cells["sampled_at"], tz)
    except ValueError:
        raise LabCheckError(
            "sampled_at",
            f"时间无效 / not a time: {cells['sampled_at']!r}",
            "e.g. 2026-10-12 09:30 (site time)",
        ) from None
    corrects = cells.get("corrects", "")
    if corrects and not corrects.isdigit():
        raise LabCheckError("corrects", f"不是结果编号 / not a result id: {corrects!r}", "the id it corrects")
    return LabEntry(
        parameter=cells["parameter"],
        zone=cells["zone"],
        value=value,
        unit=cells["unit"],
        sampled_at=sampled_at,
        method=cells["method"],
        laboratory=cells["laboratory"],
        report_no=cells["report_no"],
        note=cells.get("note", ""),
        corrects=int(corrects) if corrects else None,
    )
