"""`anjing export-readings` and `anjing lab-import`: compliance records straight from the site file.

Like `anjing user …` these open the site's SQLite file directly, so they work with the service running
or stopped; shell access to that file is the credential, and each action is audited as `cli:<login>`.
The export is streamed to the file chunk by chunk, as the API streams it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from anjing.accounts import cli_actor, with_auth
from anjing.loading import load_or_exit
from api.auth.service import AuthService
from compliance.lab import LabBook, lab_path
from compliance.lab_catalog import LabCatalog
from compliance.lab_import import LabImportError, parse_time, read_results
from compliance.lab_store import CorrectionError, LabStore
from compliance.raw import ExportFormat, export_chunks
from config import Site
from config.catalog import build_catalog
from config.standards import load_standards
from storage import SqliteStore

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="site YAML")]


def _time(text: str | None, name: str, site: Site, default: datetime) -> datetime:
    if text is None:
        return default
    try:
        return parse_time(text, site.config.site.tz)
    except ValueError:
        typer.echo(
            f"{name}: 时间无效 / not a time: {text!r} (e.g. 2026-10-01 or 2026-10-01T00:00+08:00)", err=True
        )
        raise typer.Exit(2) from None


def export_readings(
    *,
    config: ConfigOption,
    sensor: Annotated[list[str], typer.Option("--sensor", help="sensor id; repeat for more")],
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    start: Annotated[
        str | None, typer.Option(help="ISO 8601, site time without offset; default end − 1 day")
    ] = None,
    end: Annotated[str | None, typer.Option(help="ISO 8601; default now")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or parquet")] = ExportFormat.CSV,
) -> None:
    """原始读数导出 / export raw readings as CSV (UTF-8 with BOM) or Parquet, streamed to a file."""
    site = load_or_exit(config)
    unknown = sorted(set(sensor) - set(build_catalog(site)))
    if unknown:
        typer.echo(f"未知传感器 / unknown sensor(s): {', '.join(unknown)}", err=True)
        raise typer.Exit(2)
    end_at = _time(end, "--end", site, datetime.now(UTC))
    start_at = _time(start, "--start", site, end_at - timedelta(days=1))
    if start_at >= end_at:
        typer.echo("--start 须早于 --end / --start must be before --end", err=True)
        raise typer.Exit(2)

    async def export(auth: AuthService) -> int:
        store = await SqliteStore.open(lab_path(site))
        written = 0
        try:
            with out.open("wb") as handle:
                async for data in export_chunks(
                    store, sensor, start_at, end_at, fmt=fmt, tz=site.config.site.tz
                ):
                    handle.write(data)
                    written += len(data)
        finally:
            await store.close()
        after = {"sensors": sensor, "start": start_at.isoformat(), "end": end_at.isoformat(), "format": fmt}
        await auth.audit.record(cli_actor(), "export.readings", str(out), after=after)
        return written

    written = with_auth(site, export)
    typer.echo(f"已导出 / exported {written} bytes to {out}")


def lab_import(
    config: ConfigOption,
    file: Annotated[Path, typer.Argument(help="CSV of results (config/examples/lab-results.csv)")],
) -> None:
    """导入检测结果 / import laboratory results from CSV: the whole file or nothing; exit 2 on errors."""
    site = load_or_exit(config)
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"{file}: 无法读取 / cannot read: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    catalog = LabCatalog(site, load_standards())

    async def record(auth: AuthService) -> int:
        actor = cli_actor()
        async with await LabStore.open(lab_path(site)) as store:
            book = LabBook(catalog, store)
            judged = read_results(book, str(file), data, actor.name, site.config.site.tz)
            stored = await book.record(judged)
        after = {"results": [r.id for r in stored], "lines": len(stored)}
        await auth.audit.record(actor, "lab.import", str(file), after=after)
        return len(stored)

    try:
        count = with_auth(site, record)
    except (LabImportError, CorrectionError) as exc:
        typer.echo(f"文件未导入 / nothing imported:\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"已导入 {count} 条结果 / imported {count} result(s) from {file}")
