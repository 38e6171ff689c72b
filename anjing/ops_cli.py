"""The operator's commands: `anjing install-service`, `anjing backup`, `anjing restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anjing.accounts import cli_actor, database, with_auth
from anjing.backup import BackupError, backup, restore
from anjing.loading import load_or_exit
from anjing.service_install import SETUP_COMMANDS, default_executable, install

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="site YAML")]


def install_service(
    root: Annotated[Path, typer.Option(help="target root; a folder for a dry run")] = Path("/"),
    executable: Annotated[
        Path | None, typer.Option(help="the anjing script to run (default: this venv's)")
    ] = None,
    *,
    force: Annotated[
        bool, typer.Option("--force", help="overwrite existing files (the env file too)")
    ] = False,
) -> None:
    """安装为系统服务 / write the systemd units (service, daily backup), the secrets file and the RS-485 udev rule."""
    for written in install(root, executable or default_executable(), force=force):
        state = "保留 / kept" if written.kept else "写入 / wrote"
        typer.echo(f"{state} {written.path} ({written.mode:o})")
    typer.echo("然后以 root 执行 / then, as root (docs/DEPLOY.md):")
    for command in SETUP_COMMANDS:
        typer.echo(f"  {command}")


def backup_command(
    config: ConfigOption,
    to: Annotated[
        Path | None, typer.Option("--to", help="file, or folder for timestamped copies (default: backups/)")
    ] = None,
    keep: Annotated[int | None, typer.Option(help="in a folder, keep only the newest N")] = None,
) -> None:
    """在线备份 / back up the store, also while the service runs; the copy is checked before it is kept."""
    store = database(load_or_exit(config))
    try:
        done = backup(store, to if to is not None else store.parent / "backups", keep=keep)
    except BackupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"备份完成 / backup done: {done.path} ({done.size / 1e6:.1f} MB, schema {done.schema_version}, "
        "integrity ok)"
    )
    for path in done.removed:
        typer.echo(f"已删除旧备份 / removed old backup: {path}")


def restore_command(
    config: ConfigOption,
    file: Annotated[Path, typer.Argument(help="the backup to restore")],
) -> None:
    """恢复备份 / replace the store by a backup; only while the service is stopped."""
    site = load_or_exit(config)
    store = database(site)
    try:
        aside = restore(store, file)
    except BackupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    # recorded in the restored file's audit log, which is the one that goes on
    with_auth(
        site,
        lambda auth: auth.audit.record(
            cli_actor(),
            "store.restore",
            str(store),
            before={"kept_as": aside and str(aside)},
            after={"from": str(file)},
        ),
    )
    typer.echo(f"已恢复 / restored {file} → {store}")
    if aside is not None:
        typer.echo(f"原文件保留为 / the replaced file is kept as {aside}")
