"""XLSX, CSV and PDF carry the JSON's figures; the PDF embeds its Chinese font and extracts it back."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from compliance import MonthlyReport, build_report, month_period, open_sources, render
from compliance.tables import tables
from config.compliance import ReportFormat
from tests.compliance.report_support import MONTH, TZ, report_site, seed

CO2 = "gb-t-18883-2022/co2-1h@aq-1.co2"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> MonthlyReport:
    async def build() -> MonthlyReport:
        site = report_site(tmp_path_factory.mktemp("formats"))
        await seed(site)
        async with open_sources(site) as sources:
            return await build_report(sources, month_period(MONTH, TZ))

    return asyncio.run(build())


def test_xlsx_sheets_hold_the_json_values_with_formats(report: MonthlyReport) -> None:
    rendered = render(report, ReportFormat.XLSX)
    book = openpyxl.load_workbook(io.BytesIO(rendered.content))
    assert book.sheetnames[:3] == ["概要", "室内环境", "照明（营业时间）"]
    sheet = book["室内环境"]
    assert sheet.freeze_panes == "A2"
    headers = [c.value for c in sheet[1]]
    co2 = next(
        r for r in sheet.iter_rows(min_row=2) if r[headers.index("对象 / Subject")].value == "aq-1.co2"
    )
    expected = next(r for r in report.environment if r.key == CO2)
    compliance = co2[headers.index("达标率 / Compliance")]
    assert compliance.value == expected.compliance
    assert compliance.number_format == "0.00%"
    assert co2[headers.index("超标次数 / Episodes")].value == expected.episodes
    assert co2[headers.index("超标时长(h) / Exceeded (h)")].value == expected.exceedance_seconds / 3600
    summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
    assert summary["告警 / Alerts fired"] == report.alerts.fired
    assert summary["达标率 / Compliance"] == report.summary.compliance


def test_csv_zip_one_file_per_section_with_bom(report: MonthlyReport) -> None:
    rendered = render(report, ReportFormat.CSV)
    archive = zipfile.ZipFile(io.BytesIO(rendered.content))
    assert archive.namelist() == [f"{n:02d}-{t.id}.csv" for n, t in enumerate(tables(report), start=1)]
    raw = archive.read("02-environment.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    co2 = next(r for r in rows if r["对象 / Subject"] == "aq-1.co2")
    expected = next(r for r in report.environment if r.key == CO2)
    assert co2["达标率 / Compliance"] == f"{expected.compliance * 100:.2f}%"  # type: ignore[operator]
    assert int(co2["超标次数 / Episodes"]) == expected.episodes


def test_pdf_summary_first_chinese_embedded_and_extracted(report: MonthlyReport) -> None:
    rendered = render(report, ReportFormat.PDF)
    pdf = PdfReader(io.BytesIO(rendered.content))
    first = pdf.pages[0].extract_text()
    assert first.index("月度合规报告") < first.index("达标率")  # the summary page comes first
    assert f"{report.summary.compliance * 100:.2f}%" in first  # type: ignore[operator]
    assert "指示性" in first.replace("\n", "")
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    expected = next(r for r in report.environment if r.key == CO2)
    assert "二氧化碳" in text
    assert "服务大厅" in text
    assert f"{expected.compliance * 100:.2f}%" in text  # type: ignore[operator]
    assert "\ufffd" not in text  # no character without a glyph
    fonts: dict[str, Any] = {}
    for page in pdf.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            if "Noto" in font["/BaseFont"]:
                fonts[font["/BaseFont"]] = font["/FontDescriptor"].get_object()
    assert fonts
    assert all("/FontFile2" in d for d in fonts.values())  # embedded TrueType subsets


def test_file_names_and_media_types(report: MonthlyReport, tmp_path: Path) -> None:
    names = {f: render(report, f) for f in ReportFormat}
    assert names[ReportFormat.PDF].filename == f"anjing-report-{MONTH}-hall-stair-e.pdf"
    assert names[ReportFormat.CSV].media_type == "application/zip"
    assert names[ReportFormat.XLSX].content[:2] == b"PK"
