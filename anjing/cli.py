"""The `anjing` command: run a site, check a config."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from alerts import ReplayError, build_engine, read_readings, replay
from anjing.logs import setup_logging
from anjing.runtime import Runtime, StartupError
from api import create_app
from config import ConfigError, Site, load_site
from config.catalog import build_catalog
from config.mqtt import mqtt_devices

app = typer.Typer(
    help="安境 Anjing — 服务中心环境与安全监测 / building environment and safety monitoring",
    no_args_is_help=True,
    add_completion=False,
)
log = logging.getLogger("anjing")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="site YAML", show_default=True)]


def _load(path: Path) -> Site:
    try:
        site = load_site(path)
        build_engine(site, build_catalog(site))  # `alerting:` is checked against the standards catalog
    except ConfigError as exc:
        count = len(exc.issues)
        typer.echo(f"配置有 {count} 处错误 / {count} problem(s) in the configuration:", err=True)
        for issue in exc.issues:
            typer.echo(f"  {issue}", err=True)
        raise typer.Exit(2) from None
    return site


@app.command("check-config")
def check_config(path: Annotated[Path, typer.Argument(help="site YAML to check")]) -> None:
    """检查配置 / check a site config: every problem with file, line, key and fix; exit 2 if any."""
    site = _load(path)
    config = site.config
    mqtt = len(mqtt_devices(config.mqtt))
    typer.echo(
        f"配置有效 / config OK: {config.site.name} — {len(config.zones)} zones, {len(config.buses)} buses, "
        f"{len(config.devices) + mqtt} devices ({len(config.devices)} Modbus, {mqtt} MQTT), "
        f"{len(build_catalog(site))} sensors, {len(site.profiles)} profiles"
    )


@app.command()
def run(
    config: ConfigOption = Path("config/examples/demo-site.yaml"),
    host: Annotated[str | None, typer.Option(help="listen address (default: api.host, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default: api.port, 8000)")] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="one JSON object per log line")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    """运行站点 / run a site: collectors, store and the HTTP server, until Ctrl-C or SIGTERM."""
    setup_logging(json_lines=log_json, level=log_level)
    site = _load(config)
    api = site.config.api
    if not asyncio.run(_serve(site, host or api.host, port or api.port)):
        raise typer.Exit(1)


async def _serve(site: Site, host: str, port: int) -> bool:
    """Start the runtime, then serve HTTP; the server's lifespan stops the runtime, draining the store.

    The runtime starts before uvicorn so that a part that cannot start is one clear line, not a
    lifespan traceback. uvicorn handles SIGINT/SIGTERM and re-raises them once it has shut down.
    """
    try:
        runtime = await Runtime(site).__aenter__()
    except StartupError as exc:
        log.error("%s", exc)
        return False

    @asynccontextmanager
    async def owned() -> AsyncIterator[Runtime]:
        try:
            yield runtime
        finally:
            await runtime.__aexit__(None, None, None)

    server = uvicorn.Server(
        uvicorn.Config(create_app(owned), host=host, port=port, log_config=None, timeout_graceful_shutdown=5)
    )
    log.info("HTTP: http://%s:%d", host, port)
    try:
        await server.serve()
    finally:
        if not server.started:  # it failed before its lifespan took the runtime (e.g. the port is taken)
            await runtime.__aexit__(None, None, None)
    return server.started


@app.command()
def evaluate(
    config: ConfigOption,
    readings: Annotated[Path, typer.Option(help="CSV: time,sensor,value[,quality]")],
    tick: Annotated[float, typer.Option(help="seconds of simulated time between timer checks")] = 10.0,
) -> None:
    """重放评估 / replay recorded readings through the alert rules; one JSON line per alert transition."""
    site = _load(config)
    try:
        catalog = build_catalog(site)
        engine = build_engine(site, catalog)
        recorded = read_readings(readings, catalog, site.config.site.tz)
    except (ConfigError, ReplayError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for transition in replay(engine, recorded, tick=tick):
        typer.echo(json.dumps(transition.to_json(), ensure_ascii=False))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, after a clean shutdown
        sys.exit(130)
