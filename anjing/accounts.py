"""`anjing user …` and `anjing token …`, and the first admin on first start.

These act on the site's SQLite file directly, so they work while the service is stopped; shell
access to that file is the credential, and every action is audited as `cli:<login name>`.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from anjing.loading import load_or_exit
from api.auth import Permission, Principal, Role, Via
from api.auth.passwords import WeakPasswordError
from api.auth.service import AuthService
from api.auth.users import UserError
from config import Site
from storage import StoreError

log = logging.getLogger("anjing")
T = TypeVar("T")

ADMIN_USER_ENV = "ANJING_ADMIN_USER"
ADMIN_PASSWORD_ENV = "ANJING_ADMIN_PASSWORD"

user_app = typer.Typer(help="用户管理 / manage users", no_args_is_help=True)
token_app = typer.Typer(help="API 令牌 / manage API tokens", no_args_is_help=True)


def database(site: Site) -> Path:
    return site.resolve(site.config.storage.sqlite.path).resolve()


def cli_actor() -> Principal:
    return Principal(f"cli:{getpass.getuser()}", None, Via.CLI, None, frozenset(Permission))


def with_auth(site: Site, action: Callable[[AuthService], Awaitable[T]]) -> T:
    """Run `action` against the site's auth tables; user errors become one line and exit 2."""

    async def run() -> T:
        auth = await AuthService.open(database(site), site.config.api.auth)
        try:
            return await action(auth)
        finally:
            await auth.close()

    try:
        return asyncio.run(run())
    except (UserError, WeakPasswordError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except StoreError as exc:
        typer.echo(f"无法打开用户表 / cannot open the user tables: {exc}", err=True)
        raise typer.Exit(1) from None


def read_password(from_stdin: bool) -> str:
    """One line from stdin for scripts, else a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt(
        "密码 / password", hide_input=True, confirmation_prompt="再输入一次 / the same again"
    )
    return password


async def ensure_admin(auth: AuthService) -> None:
    """Create the first admin when there are no users: from the environment, or by asking at the terminal.

    There is never a default password: with neither, the service starts and says how to add one.
    """
    if await auth.users.count() > 0:
        return
    name = os.environ.get(ADMIN_USER_ENV, "admin")
    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password is None and sys.stdin.isatty():
        typer.echo(
            f"还没有用户：请为管理员 {name!r} 设置密码 / no users yet: choose a password for the admin {name!r}"
        )
        while password is None:
            candidate = read_password(False)
            try:
                await auth.users.add(name, Role.ADMIN, candidate)
            except WeakPasswordError as exc:
                typer.echo(str(exc), err=True)
                continue
            password = candidate
    elif password is not None:
        try:
            await auth.users.add(name, Role.ADMIN, password)
        except WeakPasswordError as exc:
            raise WeakPasswordError(f"{ADMIN_PASSWORD_ENV}: {exc}") from None
    else:
        log.warning(
            "还没有用户，无人能登录：运行 `anjing user add admin --role admin` 或设置 %s / no users yet, nobody "
            "can sign in: run `anjing user add admin --role admin` or set %s",
            ADMIN_PASSWORD_ENV,
            ADMIN_PASSWORD_ENV,
        )
        return
    admin = await auth.users.require(name)
    await auth.audit.record(cli_actor(), "user.add", name, after=admin.public(), detail="first admin")
    log.info("已创建管理员 %s / created the admin %s", name, name)


ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="site YAML")]
DEFAULT_CONFIG = Path("config/examples/demo-site.yaml")
StdinOption = Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")]


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer, duty, manager or admin")],
    display: Annotated[str, typer.Option(help="the person's name as shown")] = "",
    password_stdin: StdinOption = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """添加用户 / add a user."""
    password = read_password(password_stdin)

    async def add(auth: AuthService) -> None:
        user = await auth.users.add(name, role, password, display)
        await auth.audit.record(cli_actor(), "user.add", name, after=user.public())

    with_auth(load_or_exit(config), add)
    typer.echo(f"已添加 / added: {name} ({role.value})")


@user_app.command("passwd")
def user_passwd(
    name: str, password_stdin: StdinOption = False, config: ConfigOption = DEFAULT_CONFIG
) -> None:
    """设置密码 / set a user's password (their sessions end)."""
    password = read_password(password_stdin)

    async def change(auth: AuthService) -> None:
        await auth.users.set_password(name, password)
        await auth.audit.record(cli_actor(), "user.password", name)

    with_auth(load_or_exit(config), change)
    typer.echo(f"密码已更改 / password changed: {name}")


def _set_disabled(name: str, disabled: bool, config: Path) -> None:
    async def apply(auth: AuthService) -> None:
        before, after = await auth.users.update(name, disabled=disabled)
        await auth.audit.record(
            cli_actor(), "user.update", name, before=before.public(), after=after.public()
        )

    with_auth(load_or_exit(config), apply)


@user_app.command("disable")
def user_disable(name: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """停用用户 / disable a user: signed out at once, their tokens stop working."""
    _set_disabled(name, True, config)
    typer.echo(f"已停用 / disabled: {name}")


@user_app.command("enable")
def user_enable(name: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """启用用户 / enable a disabled user."""
    _set_disabled(name, False, config)
    typer.echo(f"已启用 / enabled: {name}")


@user_app.command("list")
def user_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """用户列表 / list users."""
    for user in with_auth(load_or_exit(config), lambda auth: auth.users.list()):
        flag = " (停用 / disabled)" if user.disabled else ""
        typer.echo(f"{user.name}\t{user.role.value}\t{user.display}{flag}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="the token acts as this user")],
    name: Annotated[str, typer.Option(help="what it is for, e.g. prometheus")],
    scope: Annotated[list[Permission], typer.Option(help="repeat for several; e.g. --scope metrics")],
    days: Annotated[int | None, typer.Option(help="days until it expires (omit for 90; 0 for never)")] = 90,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """创建令牌 / create a token; the secret is printed once, on stdout."""

    async def create(auth: AuthService) -> str:
        owner = await auth.users.require(user)
        beyond = set(scope) - owner.role.permissions
        if beyond:
            raise UserError(
                f"令牌权限不能超过用户角色 / a token cannot do more than its user: {', '.join(sorted(beyond))}"
            )
        expires = None if not days else time.time() + days * 86400
        token, secret = await auth.tokens.create(user, name, frozenset(scope), expires)
        await auth.audit.record(cli_actor(), "token.create", token.id, after=token.public())
        typer.echo(f"令牌 / token {token.id} ({name}, {user})", err=True)
        return secret

    typer.echo(with_auth(load_or_exit(config), create))


@token_app.command("revoke")
def token_revoke(ident: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """撤销令牌 / revoke a token now."""

    async def revoke(auth: AuthService) -> None:
        before = await auth.tokens.revoke(ident)
        if before is None:
            raise UserError(f"没有令牌 {ident} / no token {ident}")
        after = await auth.tokens.get(ident)
        await auth.audit.record(
            cli_actor(), "token.revoke", ident, before=before.public(), after=after and after.public()
        )

    with_auth(load_or_exit(config), revoke)
    typer.echo(f"已撤销 / revoked: {ident}")


@token_app.command("list")
def token_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """令牌列表 / list tokens (never their secrets)."""
    now = time.time()
    for token in with_auth(load_or_exit(config), lambda auth: auth.tokens.list()):
        state = "ok" if token.valid(now) else ("revoked" if token.revoked else "expired")
        typer.echo(f"{token.id}\t{token.owner}\t{token.name}\t{','.join(sorted(token.scopes))}\t{state}")
