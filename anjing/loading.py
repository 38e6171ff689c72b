"""Load and check a site for a command (and for a reload): the same checks as a start."""

from __future__ import annotations

from pathlib import Path

import typer

from alerts import build_engine
from config import ConfigError, Site, load_site
from config.catalog import build_catalog
from safety import load_plan


def check_site(path: Path) -> Site:
    """Load `path` and check everything a start checks; ConfigError names every problem."""
    site = load_site(path)
    build_engine(site, build_catalog(site))  # `alerting:` is checked against the standards catalog
    if site.config.safety is not None:
        load_plan(site)  # the emergency plan, against the site and the standards catalog
    return site


def load_or_exit(path: Path) -> Site:
    """`check_site` for a command: every problem printed with file and line, then exit 2."""
    try:
        site = check_site(path)
    except ConfigError as exc:
        count = len(exc.issues)
        typer.echo(f"配置有 {count} 处错误 / {count} problem(s) in the configuration:", err=True)
        for issue in exc.issues:
            typer.echo(f"  {issue}", err=True)
        raise typer.Exit(2) from None
    return site
