"""HTTPS as an operator runs it: a real `anjing run` with a certificate signed by a test CA.

HSTS is sent over HTTPS and never over plain HTTP: behind a proxy only when a trusted one says
`X-Forwarded-Proto: https` (the "proxy" connects from 127.0.0.2, another loopback address). The TLS
settings are checked at load time with file:line.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from config import ConfigError, load_site
from tests.collectors.mqtt.test_tls import make_certs
from tests.helpers import free_port, small_site
from tests.test_service import ANJING, wait_for

HSTS = "strict-transport-security"


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    folder = tmp_path / "certs"
    make_certs(folder)  # ca.pem, and server.pem/server.key for 127.0.0.1 signed by it
    return folder


def _site(folder: Path, api: str) -> Path:
    return small_site(folder, tcp_port=free_port(), rtu_port=free_port(), extra=api)


@pytest.fixture
def serve() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.terminate()
        proc.communicate(timeout=30)


def _run(serve: list[subprocess.Popen[str]], config: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*ANJING, "run", "--config", str(config), "--port", str(port), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    serve.append(proc)
    return proc


def _first_answer(client: httpx.Client, url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    """GET `url` once the server listens; fail with its log if it exits first."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return client.get(url)
        except httpx.ConnectError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"anjing never answered on {url}:\n{proc.communicate()[1]}")
            time.sleep(0.2)


def test_https_sends_hsts_and_plain_http_does_not(
    tmp_path: Path, certs: Path, serve: list[subprocess.Popen[str]]
) -> None:
    secure_dir, plain_dir = tmp_path / "secure", tmp_path / "plain"
    secure_dir.mkdir()
    plain_dir.mkdir()
    shutil.copy(certs / "server.pem", secure_dir / "server.pem")
    shutil.copy(certs / "server.key", secure_dir / "server.key")
    secure = _site(secure_dir, "api: {tls_cert: server.pem, tls_key: server.key}\n")  # beside the file
    plain = _site(plain_dir, "api: {trusted_proxies: [127.0.0.2]}\n")  # the proxy; 127.0.0.1 is a client
    tls_port, http_port = free_port(), free_port()
    https_proc = _run(serve, secure, tls_port)
    http_proc = _run(serve, plain, http_port)

    ca = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    with httpx.Client(verify=ca) as client:
        wait_for(f"http://127.0.0.1:{http_port}/healthz", http_proc, lambda body: "site" in body)
        health = f"https://127.0.0.1:{tls_port}/healthz"
        response = _first_answer(client, health, https_proc)
        assert response.status_code == 200
        assert response.headers[HSTS] == "max-age=31536000"
        assert response.headers["x-frame-options"] == "DENY"
        with pytest.raises(httpx.ConnectError):  # the certificate is checked: no CA, no connection
            httpx.get(health, verify=ssl.create_default_context())

    url, forwarded = f"http://127.0.0.1:{http_port}/healthz", {"X-Forwarded-Proto": "https"}
    assert HSTS not in httpx.get(url).headers
    spoofed = httpx.get(url, headers=forwarded)
    assert spoofed.status_code == 200
    assert HSTS not in spoofed.headers  # a client that is not a trusted proxy cannot claim HTTPS
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as proxy:
        assert proxy.get(url, headers=forwarded).headers[HSTS] == "max-age=31536000"


def test_cli_options_name_the_file_at_fault(tmp_path: Path, certs: Path) -> None:
    config = _site(tmp_path, "")
    result = subprocess.run(
        [*ANJING, "run", "--config", str(config), "--tls-cert", str(certs / "server.pem"),
         "--tls-key", str(certs / "ca.key")],
        check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--tls-key" in result.stderr
    assert "do not load together" in result.stderr


@pytest.mark.parametrize(
    ("api", "key", "message"),
    [
        ("api: {tls_cert: server.pem}", "api.tls_key", "tls_key is missing"),
        ("api: {tls_cert: server.pem, tls_key: nowhere.key}", "api.tls_key", "cannot read"),
        ("api: {tls_cert: server.pem, tls_key: ca.key}", "api.tls_key", "do not load together"),
        ("api: {trusted_proxies: [nginx.local]}", "api.trusted_proxies[0]", "not an address"),
    ],
)
def test_config_names_file_line_and_key(
    tmp_path: Path, certs: Path, api: str, key: str, message: str
) -> None:
    for name in ("server.pem", "ca.key"):
        shutil.copy(certs / name, tmp_path / name)
    path = _site(tmp_path, api + "\n")
    with pytest.raises(ConfigError) as caught:
        load_site(path)
    (issue,) = caught.value.issues
    line = path.read_text(encoding="utf-8").splitlines().index(api) + 1
    assert (issue.file, issue.line) == (path, line)
    assert str(issue).startswith(f"{path}:{line}: {key}: ")
    assert message in issue.message
