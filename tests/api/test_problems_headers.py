"""Errors as RFC 9457 problems and the security headers, on the real app over a running site."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anjing.runtime import Runtime
from api import create_app
from api.auth import Role
from api.headers import page_policy
from config import load_site
from tests.api_client import bearer
from tests.helpers import free_port, small_site

PROBLEM = "application/problem+json"


class Boom(RuntimeError):
    pass


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    site = load_site(small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port()))
    async with Runtime(site) as running:
        yield running


@pytest.fixture
async def app(runtime: Runtime) -> FastAPI:
    """The real app, plus one route that fails the way a bug would."""
    app = create_app(lambda: runtime)
    app.state.context = runtime

    @app.get("/api/v1/boom", include_in_schema=False)
    async def boom() -> None:
        raise Boom("internal detail: /var/lib/anjing/secret.db")

    return app


def _client(app: FastAPI, headers: dict[str, str] | None = None, scheme: str = "http") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://anjing", headers=headers or {})


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "instance"} <= body.keys()
    return body


async def test_every_kind_of_error_is_a_problem(
    app: FastAPI, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    async with _client(app, await bearer(runtime.auth, Role.ADMIN)) as client:
        unknown = _problem(await client.get("/api/v1/nothing-here"), 404)
        assert (unknown["title"], unknown["instance"]) == ("未找到 / Not Found", "/api/v1/nothing-here")

        sensor = _problem(await client.get("/api/v1/readings", params={"sensor": "nope.co2"}), 404)
        assert "nope.co2" in str(sensor["detail"])

        invalid = _problem(await client.get("/api/v1/readings"), 422)
        assert invalid["type"] == "urn:anjing:problem:validation"
        assert invalid["errors"] == [{"loc": ["query", "sensor"], "msg": "Field required", "type": "missing"}]

        secret = "不该回显的密码 / never echoed"
        login = await client.post("/api/v1/auth/login", json={"name": 7, "password": [secret]})
        assert secret not in login.text  # the input is never sent back (it may be a password)
        _problem(login, 422)

        method = await client.delete("/api/v1/sensors")
        assert _problem(method, 405)["title"] == "方法不允许 / Method Not Allowed"
        assert method.headers["allow"] == "GET"  # the exception's headers are kept

        with caplog.at_level(logging.ERROR, logger="anjing.api"):
            failed = await client.get("/api/v1/boom", headers={"X-Request-ID": "req-42"})
        body = _problem(failed, 500)
        assert body["request_id"] == "req-42"
        assert "secret.db" not in failed.text
        assert "Traceback" not in failed.text
        assert failed.headers["x-content-type-options"] == "nosniff"  # a 500 carries the headers too
    (record,) = [r for r in caplog.records if "req-42" in r.getMessage()]
    assert record.exc_info is not None
    assert record.exc_info[0] is Boom

    async with _client(app) as anonymous:  # sign-in problems keep their challenge
        refused = await anonymous.get("/api/v1/sensors")
        _problem(refused, 401)
        assert refused.headers["www-authenticate"].startswith("Bearer")


async def test_problems_are_documented(app: FastAPI) -> None:
    schema = app.openapi()
    assert "HTTPValidationError" not in str(schema)
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["500"]["content"][PROBLEM]["schema"] == problem, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert responses["422"]["content"][PROBLEM]["schema"] == problem, (method, path)
    assert schema["paths"]["/api/v1/zones/{ident}"]["get"]["responses"]["404"]["content"][PROBLEM]
    assert schema["components"]["schemas"]["Problem"]["examples"][0]["title"] == "未找到 / Not Found"


async def test_security_headers(app: FastAPI, runtime: Runtime) -> None:
    async with _client(app, await bearer(runtime.auth, Role.ADMIN)) as client:
        for path in ("/healthz", "/api/v1/sensors", "/api/v1/public/zones", "/api/v1/nothing-here"):
            response = await client.get(path)
            headers = response.headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
            assert "camera=()" in headers["permissions-policy"]
            assert headers["content-security-policy"].startswith("default-src 'none'")
            assert "strict-transport-security" not in headers  # plain HTTP: never HSTS
        for path in ("/api/v1/audit", "/api/v1/auth/me", "/api/v1/users", "/api/v1/notifications"):
            assert (await client.get(path)).headers["cache-control"] == "no-store", path
        assert "cache-control" not in (await client.get("/api/v1/sensors")).headers

        for path, script in (("/docs", b"SwaggerUIBundle"), ("/redoc", b"redoc.standalone.js")):
            page = await client.get(path)
            assert page.status_code == 200
            policy = page.headers["content-security-policy"]
            assert policy == page_policy(page.content), path
            assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
            assert "frame-ancestors 'none'" in policy
            assert script in page.content
        swagger = (await client.get("/docs")).headers["content-security-policy"]
        assert "'sha256-" in swagger  # its inline bootstrap script is allowed by hash, and only it
        assets = await client.get("/static-offline-docs/swagger-ui-bundle.js")
        assert assets.status_code == 200
        assert assets.headers["x-content-type-options"] == "nosniff"

    async with _client(app, await bearer(runtime.auth, Role.ADMIN), scheme="https") as secure:
        assert (await secure.get("/healthz")).headers["strict-transport-security"] == "max-age=31536000"
