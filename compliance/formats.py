"""One entry point for every file format: the bytes, their media type and a file name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.csvzip import render_csv
from compliance.model import MonthlyReport
from compliance.pdf import render_pdf
from compliance.xlsx import render_xlsx
from config.compliance import ReportFormat

MEDIA_TYPES = {
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "application/zip",
}
_RENDER: dict[ReportFormat, Callable[[MonthlyReport], bytes]] = {
    ReportFormat.XLSX: render_xlsx,
    ReportFormat.PDF: render_pdf,
    ReportFormat.CSV: render_csv,
}


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


def render(report: MonthlyReport, fmt: ReportFormat) -> Rendered:
    """`report` as `fmt`: named `anjing-report-2026-10.xlsx` (`.zip` for CSV, one file per section)."""
    suffix = "zip" if fmt is ReportFormat.CSV else fmt.value
    zones = "" if len(report.zones) > 3 else "-" + "-".join(report.zones)
    return Rendered(
        _RENDER[fmt](report), MEDIA_TYPES[fmt], f"anjing-report-{report.period.month}{zones}.{suffix}"
    )
