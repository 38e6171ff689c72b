"""Compliance records: the monthly report, laboratory and manual results, and the raw-data export."""

from compliance.formats import Rendered, render
from compliance.lab import LabBook, LabEntry, results
from compliance.lab_store import LabResult, LabStore
from compliance.model import MonthlyReport
from compliance.period import PeriodError, month_period, previous_month
from compliance.raw import ExportFormat, export_chunks
from compliance.report import ReportError, build_report
from compliance.sources import Sources, from_service, open_sources

__all__ = [
    "ExportFormat",
    "LabBook",
    "LabEntry",
    "LabResult",
    "LabStore",
    "MonthlyReport",
    "PeriodError",
    "Rendered",
    "ReportError",
    "Sources",
    "build_report",
    "export_chunks",
    "from_service",
    "month_period",
    "open_sources",
    "previous_month",
    "render",
    "results",
]
