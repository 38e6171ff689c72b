"""The optional monthly job (`compliance.monthly`): last month's report files into a folder, and a notice.

On the configured day and time it writes the previous month's files and raises an info-level service
check ("report written", held for a day), which the alert service routes to the manager like any
alert. What was written is kept in the site file (`compliance_reports`), with the time the job was
first enabled: on start and on every tick, every month whose due time has passed since then and that
is not yet written is written — so a restart neither skips a month (one missed while stopped is
written late) nor repeats one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from alerts import ServiceCheck
from compliance.formats import render
from compliance.period import month_period, next_month
from compliance.report import build_report
from compliance.sources import Sources
from config.compliance import MonthlyJob
from config.loader import Site
from config.standards import Severity
from storage.connection import ThreadConnection, own_tables, transaction

log = logging.getLogger("anjing.compliance")

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS compliance_meta (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS compliance_job (id INTEGER PRIMARY KEY CHECK (id = 1), enabled REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS compliance_reports (
        month TEXT PRIMARY KEY, written REAL NOT NULL, files TEXT NOT NULL
    )""",
)
TICK = 60.0  # seconds between two looks at the clock
HOLD = 86400.0  # how long the "report written" notice stays up


class MonthlyReports:
    def __init__(self, site: Site, job: MonthlyJob) -> None:
        self.site, self.job = site, job
        self.folder = site.resolve(job.folder)
        self._conn: ThreadConnection | None = None
        self._enabled = 0.0
        self._written: dict[str, tuple[float, list[str]]] = {}
        self._lock = asyncio.Lock()

    def check(self) -> ServiceCheck:
        """The notice the alert service probes: up for a day after a report is written."""
        return ServiceCheck(
            "monthly-report", "compliance", "月度合规报告已生成 / monthly compliance report written",
            Severity.INFO, self._note,
        )  # fmt: skip

    def _note(self) -> str | None:
        recent = [(m, f) for m, (ts, f) in self._written.items() if time.time() - ts < HOLD]
        if not recent:
            return None
        month, files = max(recent)
        listed = ", ".join(files)
        return f"{month} 月度报告已写入 {self.folder}：{listed} / the {month} report is in {self.folder}: {listed}"

    async def open(self, path: Path) -> None:
        """Open the job's tables in the site file `path`; the first open records when it was enabled."""
        self._conn = ThreadConnection(path, "anjing-compliance")
        await self._conn.open(_setup)
        self._enabled, self._written = await self._conn.call(_load, time.time())

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    def due(self, now: datetime) -> list[str]:
        """Months due by `now` since the job was enabled and not yet written, oldest first."""
        tz = self.site.config.site.tz
        enabled = datetime.fromtimestamp(self._enabled, tz)
        month = enabled.date().replace(day=1)
        month = date(month.year - 1, 12, 1) if month.month == 1 else month.replace(month=month.month - 1)
        out: list[str] = []
        while True:
            at = datetime.combine(next_month(month).replace(day=self.job.day), self.job.time, tz)
            if at > now:
                return out
            label = month.strftime("%Y-%m")
            if at >= enabled and label not in self._written:
                out.append(label)
            month = next_month(month)

    async def run_due(self, sources: Callable[[], Sources], now: datetime | None = None) -> list[str]:
        """Write every month due by `now` (default: now); returns the months written."""
        async with self._lock:
            written = []
            for month in self.due(now or datetime.now(UTC)):
                files = await self._write(sources(), month)
                assert self._conn is not None
                stamp = time.time()
                await self._conn.call(_record, month, stamp, files)
                self._written[month] = (stamp, files)
                written.append(month)
                log.info("月度报告已写入 / monthly report written: %s → %s", month, ", ".join(files))
            return written

    async def run(self, sources: Callable[[], Sources]) -> None:
        """The job's loop: look at the clock every minute; a failure is logged and tried again."""
        while True:
            try:
                await self.run_due(sources)
            except Exception:
                log.exception("月度报告生成失败 / writing the monthly report failed")
            await asyncio.sleep(TICK)

    async def _write(self, sources: Sources, month: str) -> list[str]:
        report = await build_report(sources, month_period(month, self.site.config.site.tz))
        self.folder.mkdir(parents=True, exist_ok=True)
        names = []
        for fmt in self.job.formats:
            rendered = await asyncio.to_thread(render, report, fmt)
            target = self.folder / rendered.filename
            partial = target.with_name(target.name + ".part")
            await asyncio.to_thread(partial.write_bytes, rendered.content)
            os.replace(partial, target)  # a reader never sees half a file
            names.append(rendered.filename)
        return names


def _setup(conn: sqlite3.Connection) -> None:
    own_tables(conn, _SCHEMA, "compliance_meta", SCHEMA_VERSION)


def _load(conn: sqlite3.Connection, now: float) -> tuple[float, dict[str, tuple[float, list[str]]]]:
    with transaction(conn):
        conn.execute("INSERT OR IGNORE INTO compliance_job VALUES (1, ?)", (now,))
    (enabled,) = conn.execute("SELECT enabled FROM compliance_job").fetchone()
    rows = conn.execute("SELECT month, written, files FROM compliance_reports").fetchall()
    return enabled, {month: (ts, json.loads(files)) for month, ts, files in rows}


def _record(conn: sqlite3.Connection, month: str, ts: float, files: list[str]) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO compliance_reports VALUES (?, ?, ?)", (month, ts, json.dumps(files))
        )
