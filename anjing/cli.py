"""The `anjing` command: run a site, check a config."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn

from alerts import ReplayError, build_engine, read_readings, replay
from anjing import compliance_cli, exporting, ops_cli, sdnotify
from anjing.accounts import ensure_admin, token_app, user_app, with_auth
from anjing.loading import load_or_exit
from anjing.logs import setup_logging
from anjing.reload import SYSTEM, TOKEN_VARIABLE, report, request_reload, service_url
from anjing.runtime import Runtime, StartupError
from api import create_app
from collectors.tasks import cancel_and_wait
from config import ConfigError, Site
from config.catalog import build_catalog
from config.mqtt import mqtt_devices
from config.serving import tls_file_problems
from dashboard import mount_dashboard

app = typer.Typer(
    help="安境 Anjing — 服务中心环境与安全监测 / building environment and safety monitoring",
    no_args_is_help=True,
    add_completion=False,
)
log = logging.getLogger("anjing")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="site YAML", show_default=True)]


_load = load_or_exit
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.command("install-service")(ops_cli.install_service)
app.command("backup")(ops_cli.backup_command)
app.command("restore")(ops_cli.restore_command)
app.command("export-readings")(compliance_cli.export_readings)
app.command("lab-import")(compliance_cli.lab_import)
app.command("export")(exporting.export_report)


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
    *,
    tls_cert: Annotated[
        Path | None, typer.Option(help="PEM certificate: serve HTTPS (default: api.tls_cert)")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="PEM private key of --tls-cert (default: api.tls_key)")
    ] = None,
) -> None:
    """运行站点 / run a site: collectors, store and the HTTP server, until Ctrl-C or SIGTERM."""
    setup_logging(json_lines=log_json, level=log_level)
    site = _load(config)
    with_auth(site, ensure_admin)
    api = site.config.api
    tls = _tls_files(site, tls_cert, tls_key)
    if not asyncio.run(_serve(site, host or api.host, port or api.port, tls)):
        raise typer.Exit(1)


def _tls_files(site: Site, cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    """The HTTPS pair from the options, else from `api:`; exit 2 naming the file at fault."""
    if cert is None and key is None:
        api = site.config.api
        if api.tls_cert is None or api.tls_key is None:
            return None
        return site.resolve(api.tls_cert), site.resolve(api.tls_key)
    if cert is None or key is None:
        typer.echo("--tls-cert 与 --tls-key 须同时给出 / give both --tls-cert and --tls-key", err=True)
        raise typer.Exit(2)
    problems = tls_file_problems(cert, key)
    for name, message, hint in problems:
        typer.echo(f"--{name.replace('_', '-')}: {message} — {hint}", err=True)
    if problems:
        raise typer.Exit(2)
    return cert, key


async def _serve(site: Site, host: str, port: int, tls: tuple[Path, Path] | None = None) -> bool:
    """Start the runtime, then serve HTTP; the server's lifespan stops the runtime, draining the store.

    The runtime starts before uvicorn so that a part that cannot start is one clear line, not a
    lifespan traceback. uvicorn handles SIGINT/SIGTERM and re-raises them once it has shut down.
    """
    try:
        runtime = await Runtime(site).__aenter__()
    except StartupError as exc:
        log.error("%s", exc)
        return False
    _reload_on_hangup(runtime)

    @asynccontextmanager
    async def owned() -> AsyncIterator[Runtime]:
        watchdog = asyncio.create_task(sdnotify.watch(lambda: runtime.parts), name="anjing.sdnotify")
        try:
            yield runtime
        finally:
            await cancel_and_wait([watchdog])  # STOPPING=1 first, then the drain
            await runtime.__aexit__(None, None, None)

    api = site.config.api
    app = create_app(owned)
    mount_dashboard(app)  # after the API's routes: those win
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            timeout_graceful_shutdown=5,
            ssl_certfile=tls[0] if tls else None,
            ssl_keyfile=tls[1] if tls else None,
            proxy_headers=True,  # X-Forwarded-For/-Proto, from the trusted proxies only
            forwarded_allow_ips=list(api.trusted_proxies),
        )
    )
    log.info("HTTP: %s://%s:%d", "https" if tls else "http", host, port)
    try:
        await server.serve()
    finally:
        if not server.started:  # it failed before its lifespan took the runtime (e.g. the port is taken)
            await runtime.__aexit__(None, None, None)
    return server.started


def _reload_on_hangup(runtime: Runtime) -> None:
    """SIGHUP reloads the site file as `anjing reload` does (uvicorn handles only SIGINT and SIGTERM)."""
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[object]] = set()  # referenced until done, as asyncio asks

    def hangup() -> None:
        task: asyncio.Task[object] = loop.create_task(runtime.reload(SYSTEM), name="anjing.reload")
        running.add(task)
        task.add_done_callback(running.discard)

    loop.add_signal_handler(signal.SIGHUP, hangup)


@app.command("reload")
def reload_config(
    config: ConfigOption = Path("config/examples/demo-site.yaml"),
    url: Annotated[
        str | None, typer.Option(help="the service (default: api.host, api.port of --config)")
    ] = None,
) -> None:
    """重新加载配置 / reload the running service's config: exit 0 applied, 2 rejected, 1 not done.

    The service re-reads its own site file; the token (permission `config`) comes from ANJING_TOKEN.
    """
    target = url or service_url(config)
    try:
        status, body = request_reload(target, os.environ.get(TOKEN_VARIABLE))
    except httpx.HTTPError as exc:
        typer.echo(f"无法连接服务 / cannot reach {target}: {exc} — is it running? else give --url", err=True)
        raise typer.Exit(1) from None
    lines = report(body)
    typer.echo("\n".join(lines), err=status != 200)
    if status == 422:
        raise typer.Exit(2)
    if status != 200:
        if status in (401, 403):
            typer.echo(
                f"需要 config 权限的令牌 / a token with permission config in {TOKEN_VARIABLE}", err=True
            )
        raise typer.Exit(1)


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
