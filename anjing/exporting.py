"""`anjing export`: the monthly compliance report from the site's SQLite file, as XLSX, PDF or CSV.

Reads the file directly (`compliance.open_sources`), so it works while the service runs or is stopped;
shell access to the file is the credential, and the export is audited as `cli:<login name>`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from anjing.accounts import cli_actor, with_auth
from anjing.loading import load_or_exit
from api.auth.service import AuthService
from compliance import (
    PeriodError,
    ReportError,
    build_report,
    month_period,
    open_sources,
    previous_month,
    render,
)
from config.compliance import ReportFormat


def export_report(
    *,
    config: Annotated[Path, typer.Option("--config", "-c", help="site YAML")] = Path(
        "config/examples/demo-site.yaml"
    ),
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM in site time; default the previous month")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="xlsx, pdf or csv (a zip)")
    ] = ReportFormat.XLSX,
    zone: Annotated[
        list[str] | None, typer.Option("--zone", help="zone id; repeat for more; default all")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write; default its own name here")
    ] = None,
) -> None:
    """月度合规报告 / write the monthly compliance report (XLSX, PDF or CSV zip)."""
    site = load_or_exit(config)
    tz = site.config.site.tz
    try:
        period = month_period(month or previous_month(datetime.now(UTC), tz), tz)
    except PeriodError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None

    async def export(auth: AuthService) -> Path:
        async with open_sources(site) as sources:
            report = await build_report(sources, period, list(dict.fromkeys(zone or [])))
        rendered = render(report, fmt)
        target = out or Path(rendered.filename)
        target.write_bytes(rendered.content)
        actor = cli_actor()
        after = {"zones": report.zones, "format": fmt.value, "file": str(target)}
        await auth.audit.record(actor, "report.export", f"monthly/{period.month}", after=after)
        return target

    try:
        written = with_auth(site, export)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"已写入 / written: {written} ({period.month}, {written.stat().st_size} bytes)")
