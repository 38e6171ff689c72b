"""Ways to get the report: the API (EXPORT: manager yes, duty no), `anjing export`, the monthly job."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from anjing.cli import app
from anjing.runtime import Runtime
from api.auth import Role
from compliance import build_report, month_period, open_sources
from compliance.monthly import MonthlyReports
from config import ConfigError
from tests.api_client import api_client
from tests.compliance.report_support import MONTH, TZ, report_site, seed

JOB = "{answer_within: 30m, monthly: {folder: out, day: 2, at: '08:00', formats: [xlsx, csv]}}"


async def test_api_json_and_downloads_for_managers_only(tmp_path: Path) -> None:
    site = report_site(tmp_path)
    await seed(site)
    async with open_sources(site) as sources:
        direct = await build_report(sources, month_period(MONTH, TZ), ["hall"])
    async with Runtime(site) as runtime:
        async with api_client(runtime, Role.DUTY) as duty:
            assert (await duty.get("/api/v1/reports/monthly", params={"month": MONTH})).status_code == 403
        async with api_client(runtime, Role.MANAGER) as manager:
            answer = await manager.get("/api/v1/reports/monthly", params={"month": MONTH, "zone": "hall"})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["summary"] == direct.summary.model_dump(mode="json")
            assert body["environment"] == [r.model_dump(mode="json") for r in direct.environment]
            xlsx = await manager.get(
                "/api/v1/reports/monthly", params={"month": MONTH, "zone": "hall", "format": "xlsx"}
            )
            assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
            assert (
                xlsx.headers["content-disposition"]
                == f'attachment; filename="anjing-report-{MONTH}-hall.xlsx"'
            )
            book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
            summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
            assert summary["达标率 / Compliance"] == body["summary"]["compliance"]
            for params, status in (({"month": "2026-13"}, 422), ({"month": MONTH, "zone": "nowhere"}, 404)):
                refused = await manager.get("/api/v1/reports/monthly", params=params)
                assert refused.status_code == status
                assert refused.headers["content-type"] == "application/problem+json"
        records = await runtime.audit.list(action="report.export")
        assert [(r.target, r.after["format"]) for r in records] == [
            (f"monthly/{MONTH}", "xlsx"),
            (f"monthly/{MONTH}", "json"),
        ]


def test_cli_writes_the_file(tmp_path: Path) -> None:
    site = report_site(tmp_path)
    asyncio.run(seed(site))
    out = tmp_path / "october.zip"
    command = ["export", "-c", str(site.path), "--month", MONTH]
    done = CliRunner().invoke(app, [*command, "--format", "csv", "--zone", "hall", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "written" in done.output
    archive = zipfile.ZipFile(out)
    assert "02-environment.csv" in archive.namelist()
    bad = CliRunner().invoke(app, [*command, "--zone", "nowhere"])
    assert bad.exit_code == 2
    assert "nowhere" in bad.output


async def test_monthly_job_writes_each_due_month_once(tmp_path: Path) -> None:
    site = report_site(tmp_path, JOB)
    await seed(site)
    job = site.config.compliance.monthly
    assert job is not None
    path = site.resolve(site.config.storage.sqlite.path)
    reports = MonthlyReports(site, job)
    await reports.open(path)
    reports._enabled = datetime(2026, 9, 15, tzinfo=TZ).timestamp()  # enabled mid-September
    try:
        async with open_sources(site) as sources:
            assert reports.due(datetime(2026, 10, 2, 7, 59, tzinfo=TZ)) == []
            assert reports.due(datetime(2026, 10, 2, 8, 0, tzinfo=TZ)) == ["2026-09"]
            # stopped through two due times: both months are written late, none twice
            later = datetime(2026, 11, 20, tzinfo=TZ)
            assert await reports.run_due(lambda: sources, later) == ["2026-09", "2026-10"]
            assert await reports.run_due(lambda: sources, later) == []
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "anjing-report-2026-09-hall-stair-e.xlsx", "anjing-report-2026-09-hall-stair-e.zip",
            "anjing-report-2026-10-hall-stair-e.xlsx", "anjing-report-2026-10-hall-stair-e.zip",
        ]  # fmt: skip
        assert "2026-10" in (reports.check().probe() or "")
    finally:
        await reports.close()
    reopened = MonthlyReports(site, job)  # after a restart: what was written is remembered
    await reopened.open(path)
    try:
        assert set(reopened._written) == {"2026-09", "2026-10"}
    finally:
        await reopened.close()


def test_bad_compliance_settings_name_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        report_site(tmp_path, "{monthly: {at: '25:00', day: 31}}")
    text = str(caught.value)
    assert "site.yaml:" in text
    assert "25:00" in text
    assert "day" in text
