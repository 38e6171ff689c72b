"""`anjing user …`, `anjing token …` and the first admin, as an operator uses them on a running site.

The CLI writes the site's SQLite file while `anjing run` serves from it: a token revoked or a user
disabled on the command line is refused by the running server at its next request.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.helpers import free_port, small_site
from tests.test_service import start, stop, wait_for

ANJING = [sys.executable, "-m", "anjing"]
ADMIN_PASSWORD = "first-boss-password-1"


def cli(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ANJING, *args, "--config", str(config)],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_user_and_token_commands_act_on_a_running_site(tmp_path: Path) -> None:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(config, port, env={**os.environ, "ANJING_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        wait_for(f"{base}/healthz", proc, lambda body: body["site"] == "测试中心")
        weak = cli(config, "user", "add", "wang.li", "--role", "duty", "--password-stdin", stdin="123\n")
        assert weak.returncode == 2
        assert "10" in weak.stderr
        added = cli(
            config, "user", "add", "wang.li", "--role", "duty", "--password-stdin", stdin="duty-password-42\n"
        )
        assert added.returncode == 0, added.stderr
        again = cli(
            config,
            "user",
            "add",
            "wang.li",
            "--role",
            "viewer",
            "--password-stdin",
            stdin="duty-password-42\n",
        )
        assert again.returncode == 2
        assert "already exists" in again.stderr
        too_much = cli(config, "token", "create", "--user", "wang.li", "--name", "x", "--scope", "users")
        assert too_much.returncode == 2
        made = cli(config, "token", "create", "--user", "wang.li", "--name", "grafana", "--scope", "read")
        assert made.returncode == 0, made.stderr
        secret = made.stdout.strip()
        assert secret.startswith("anj_")
        ident = secret.split("_")[1]

        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{base}/api/v1/sensors", headers=auth).status_code == 200
        revoked = cli(config, "token", "revoke", ident)
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(f"{base}/api/v1/sensors", headers=auth).status_code == 401

        with httpx.Client(base_url=base) as browser:
            login = browser.post(
                "/api/v1/auth/login", json={"username": "wang.li", "password": "duty-password-42"}
            )
            assert login.status_code == 200, login.text
            assert browser.get("/api/v1/alerts").status_code == 200
            assert cli(config, "user", "disable", "wang.li").returncode == 0
            assert browser.get("/api/v1/alerts").status_code == 401  # signed out at once
        admin = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert admin.status_code == 200, admin.text  # the first admin, from the environment
        assert admin.json()["role"] == "admin"
    finally:
        code, lines = stop(proc, signal.SIGTERM)
    assert code in {0, -signal.SIGTERM.value}  # uvicorn re-raises the signal it handled
    listed = cli(config, "user", "list")
    assert listed.stdout.splitlines() == ["admin\tadmin\t", "wang.li\tduty\t (停用 / disabled)"]
    assert any("created the admin admin" in str(line.get("message")) for line in lines)


def test_a_weak_first_admin_password_is_refused_with_the_variable_named(tmp_path: Path) -> None:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    proc = start(config, free_port(), env={**os.environ, "ANJING_ADMIN_PASSWORD": "admin-password"})
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "ANJING_ADMIN_PASSWORD" in err
    assert "too easy to guess" in err


def test_without_users_or_environment_the_service_starts_and_says_how(tmp_path: Path) -> None:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJING_ADMIN")}
    proc = start(config, port, env=env)  # stdin is not a terminal: no prompt
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc, lambda body: body["site"] == "测试中心")
    finally:
        _, lines = stop(proc, signal.SIGTERM)
    assert any("anjing user add admin --role admin" in str(line.get("message")) for line in lines)
