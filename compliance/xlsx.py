"""The report as an Excel workbook: one sheet per section, frozen header row, typed cells with formats."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from compliance.model import MonthlyReport
from compliance.tables import Table, tables

_HEADER = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def render_xlsx(report: MonthlyReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables(report):
        _sheet(book, table)
    book.properties.title = f"{report.site} {report.period.month}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(title: str) -> str:
    """The Chinese half of a title, without the characters Excel refuses in a sheet name."""
    chinese = title.split("/", maxsplit=1)[0].strip()
    return "".join(ch for ch in chinese if ch not in "[]:*?/\\")[:31]


def _sheet(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet(sheet_name(table.title))
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER, _FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([c.number for c in row])
        for target, cell in zip(sheet[sheet.max_row], row, strict=True):
            target.number_format = cell.excel_format
    sheet.freeze_panes = "A2"
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
