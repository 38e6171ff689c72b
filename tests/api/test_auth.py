"""Authentication and authorisation over the real API: a Runtime on a real SQLite file, real HTTP (ASGI).

The route table is the guard: every operation in the OpenAPI schema must be listed here with the
permission it needs, so a new route nobody thought to protect fails this test.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anjing.runtime import Runtime
from api.auth import Permission, Role
from api.auth.sessions import COOKIE, CSRF_HEADER
from config import load_site
from tests.api_client import PASSWORD, api_client, bearer
from tests.helpers import free_port, small_site

PUBLIC = None
# (method, path) → the permission it needs; PUBLIC for routes anyone may call
ROUTES: dict[tuple[str, str], Permission | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/api/v1/public/zones"): PUBLIC,
    ("GET", "/api/v1/site"): Permission.READ,
    ("GET", "/api/v1/zones"): Permission.READ,
    ("GET", "/api/v1/zones/{ident}"): Permission.READ,
    ("GET", "/metrics"): Permission.METRICS,
    ("GET", "/api/v1/sensors"): Permission.READ,
    ("GET", "/api/v1/readings/latest"): Permission.READ,
    ("GET", "/api/v1/readings"): Permission.READ,
    ("GET", "/api/v1/devices"): Permission.READ,
    ("POST", "/api/v1/devices/probe"): Permission.CONFIG,
    ("GET", "/api/v1/outbox"): Permission.READ,
    ("GET", "/api/v1/alerts"): Permission.READ,
    ("GET", "/api/v1/alerts/history"): Permission.READ,
    ("POST", "/api/v1/alerts/acknowledge"): Permission.ACKNOWLEDGE,
    ("GET", "/api/v1/alerts/silences"): Permission.READ,
    ("POST", "/api/v1/alerts/silences"): Permission.SILENCE,
    ("DELETE", "/api/v1/alerts/silences/{ident}"): Permission.SILENCE,
    ("GET", "/api/v1/notifications"): Permission.READ,
    ("GET", "/api/v1/notifications/channels"): Permission.READ,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): Permission.ACCOUNT,
    ("GET", "/api/v1/auth/me"): PUBLIC,
    ("POST", "/api/v1/auth/password"): Permission.ACCOUNT,
    ("GET", "/api/v1/users"): Permission.USERS,
    ("POST", "/api/v1/users"): Permission.USERS,
    ("PATCH", "/api/v1/users/{name}"): Permission.USERS,
    ("PUT", "/api/v1/users/{name}/password"): Permission.USERS,
    ("GET", "/api/v1/tokens"): Permission.ACCOUNT,
    ("POST", "/api/v1/tokens"): Permission.ACCOUNT,
    ("DELETE", "/api/v1/tokens/{ident}"): Permission.ACCOUNT,
    ("GET", "/api/v1/audit"): Permission.AUDIT,
    ("GET", "/api/v1/safety/plan"): Permission.READ,
    ("GET", "/api/v1/safety/checklist"): Permission.READ,
    ("GET", "/api/v1/safety/checklist/history"): Permission.READ,
    ("GET", "/api/v1/safety/inspections"): Permission.READ,
    ("GET", "/api/v1/safety/inspections/records"): Permission.READ,
    ("GET", "/api/v1/safety/drills"): Permission.READ,
    ("GET", "/api/v1/safety/drills/{drill}"): Permission.READ,
    ("POST", "/api/v1/safety/checklist/{item}/sign"): Permission.SIGN,
    ("POST", "/api/v1/safety/drills"): Permission.SIGN,
    ("POST", "/api/v1/safety/drills/{drill}/steps"): Permission.SIGN,
    ("POST", "/api/v1/safety/drills/{drill}/end"): Permission.SIGN,
    ("POST", "/api/v1/safety/inspections/{task}"): Permission.INSPECT,
    ("POST", "/api/v1/feedback"): PUBLIC,
    ("GET", "/api/v1/feedback/qr"): PUBLIC,
    ("GET", "/api/v1/feedback"): Permission.READ,
    ("GET", "/api/v1/feedback/{case}"): Permission.READ,
    ("POST", "/api/v1/feedback/{case}/acknowledge"): Permission.ACKNOWLEDGE,
    ("POST", "/api/v1/feedback/{case}/answer"): Permission.ACKNOWLEDGE,
    ("POST", "/api/v1/feedback/{case}/close"): Permission.SIGN,
    ("GET", "/api/v1/export/readings"): Permission.EXPORT,
    ("GET", "/api/v1/reports/monthly"): Permission.EXPORT,
    ("GET", "/api/v1/lab/results"): Permission.READ,
    ("POST", "/api/v1/lab/results"): Permission.EXPORT,
    ("POST", "/api/v1/lab/results/import"): Permission.EXPORT,
    ("GET", "/api/v1/config"): Permission.READ,
    ("POST", "/api/v1/config/reload"): Permission.CONFIG,
}
# the strongest role that still lacks each permission: the under-privileged caller
WEAKER: dict[Permission, Role] = {
    Permission.ACKNOWLEDGE: Role.VIEWER,
    Permission.INSPECT: Role.VIEWER,
    Permission.SILENCE: Role.DUTY,
    Permission.SIGN: Role.DUTY,
    Permission.EXPORT: Role.DUTY,
    Permission.AUDIT: Role.DUTY,
    Permission.CONFIG: Role.MANAGER,
    Permission.USERS: Role.MANAGER,
}
STRONG = "a-long-enough-password-42"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    """A site whose devices never answer (no simulator): the API is what is tested."""
    config = small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        extra="api: {auth: {login_attempts: 3, lockout: 1s}}\n",
    )
    async with Runtime(load_site(config)) as started:
        yield started


async def _operations(client: httpx.AsyncClient) -> set[tuple[str, str]]:
    schema = (await client.get("/openapi.json")).json()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


def _concrete(path: str) -> str:
    for name, value in (("{ident}", "nope"), ("{name}", "nobody"), ("{item}", "x"), ("{task}", "x")):
        path = path.replace(name, value)
    return path.replace("{drill}", "1").replace("{case}", "1")


async def test_every_route_is_in_the_table_and_refuses_who_may_not(runtime: Runtime) -> None:
    async with api_client(runtime, None) as anonymous:
        assert await _operations(anonymous) == set(ROUTES), "add new routes to ROUTES with their permission"
        for (method, path), needed in ROUTES.items():
            answer = await anonymous.request(method, _concrete(path), json={})
            if needed is PUBLIC:
                assert answer.status_code not in (401, 403), (method, path, answer.text)
            else:
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.headers["www-authenticate"].startswith("Bearer")
    for (method, path), needed in ROUTES.items():
        if needed is None or needed not in WEAKER:
            continue
        async with api_client(runtime, WEAKER[needed]) as weaker:
            answer = await weaker.request(method, _concrete(path), json={})
            assert answer.status_code == 403, (method, path, WEAKER[needed], answer.status_code)
        holder = next(role for role in Role if needed in role.permissions)
        async with api_client(runtime, holder) as allowed:
            answer = await allowed.request(method, _concrete(path), json={})
            assert answer.status_code not in (401, 403), (method, path, holder, answer.text)


async def test_guarded_operations_declare_their_security_in_openapi(runtime: Runtime) -> None:
    async with api_client(runtime, None) as client:
        schema = (await client.get("/openapi.json")).json()
    for (method, path), needed in ROUTES.items():
        secured = bool(schema["paths"][path][method.lower()].get("security"))
        assert secured == (needed is not PUBLIC and path != "/api/v1/auth/me"), (method, path)


async def _login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": name, "password": password})


async def test_session_cookie_flags_and_csrf(runtime: Runtime) -> None:
    await runtime.auth.users.add("li.ming", Role.DUTY, STRONG)
    async with api_client(runtime, None, base_url="https://anjing") as client:
        answer = await _login(client, "li.ming", STRONG)
        assert answer.status_code == 200, answer.text
        cookie = answer.headers["set-cookie"].lower()
        assert all(flag in cookie for flag in ("httponly", "samesite=strict", "secure", "path=/"))
        body = answer.json()
        assert (body["name"], body["role"], body["via"]) == ("li.ming", "duty", "session")
        assert (await client.get("/api/v1/alerts")).status_code == 200
        silenced = await client.post("/api/v1/alerts/silences", json={})
        assert silenced.status_code == 403  # duty may not silence
        no_csrf = await client.post("/api/v1/alerts/acknowledge", json={"key": "x"})
        assert no_csrf.status_code == 403
        assert CSRF_HEADER in no_csrf.text
        with_csrf = await client.post(
            "/api/v1/alerts/acknowledge", json={"key": "x"}, headers={CSRF_HEADER: body["csrf_token"]}
        )
        assert with_csrf.status_code == 409  # allowed; there is no such alert
        out = await client.post("/api/v1/auth/logout", headers={CSRF_HEADER: body["csrf_token"]})
        assert out.status_code == 204
        client.cookies.clear()
        assert (await client.get("/api/v1/alerts")).status_code == 401
    async with api_client(runtime, None) as plain:
        answer = await _login(plain, "li.ming", STRONG)
        assert (
            "secure" not in answer.headers["set-cookie"].lower()
        )  # plain HTTP: a Secure cookie would be lost


async def test_login_lock_out_and_its_end(runtime: Runtime) -> None:
    await runtime.auth.users.add("zhang.wei", Role.MANAGER, STRONG)
    async with api_client(runtime, None) as client:
        for _ in range(3):
            assert (await _login(client, "zhang.wei", "wrong password!")).status_code == 401
        locked = await _login(client, "zhang.wei", STRONG)  # even the right password, while locked
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["retry-after"]) <= 2
        unknown = await _login(client, "nobody-here", "whatever password")
        assert unknown.status_code == 401  # an unknown user looks like a wrong password
        await asyncio.sleep(1.1)
        assert (await _login(client, "zhang.wei", STRONG)).status_code == 200
    refused = await runtime.audit.list(action="auth.login")
    outcomes = [r.outcome.split(":")[0] for r in refused if r.target == "zhang.wei"]
    assert outcomes == ["ok", "refused", "refused", "refused", "refused"]


async def test_token_scopes_expiry_revocation_and_owner_changes(runtime: Runtime) -> None:
    auth = runtime.auth
    await auth.users.add("prom", Role.VIEWER, STRONG)
    _, metrics_only = await auth.tokens.create("prom", "prometheus", frozenset({Permission.METRICS}), None)
    _, short = await auth.tokens.create("prom", "short", frozenset({Permission.READ}), time.time() + 0.5)
    async with api_client(runtime, None) as client:

        def as_(secret: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {secret}"}

        assert (await client.get("/metrics", headers=as_(metrics_only))).status_code == 200
        assert (await client.get("/api/v1/alerts", headers=as_(metrics_only))).status_code == 403
        assert (await client.get("/api/v1/alerts", headers=as_(short))).status_code == 200
        await asyncio.sleep(0.6)
        expired = await client.get("/api/v1/alerts", headers=as_(short))
        assert expired.status_code == 401
        assert "invalid_token" in expired.headers["www-authenticate"]
        assert (await client.get("/api/v1/alerts", headers=as_("anj_forged_secret"))).status_code == 401

        admin = await bearer(auth, Role.ADMIN)
        made = await client.post(
            "/api/v1/tokens", json={"name": "grafana", "scopes": ["read"], "expires_days": 30}, headers=admin
        )
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        stored = sqlite3.connect(runtime.store.path).execute("SELECT hash FROM auth_tokens").fetchall()
        assert all(secret not in h for (h,) in stored)  # only the hash is kept
        assert (await client.get("/api/v1/sensors", headers=as_(secret))).status_code == 200
        revoked = await client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=admin)
        assert revoked.status_code == 200
        assert revoked.json()["revoked"] is not None
        assert (await client.get("/api/v1/sensors", headers=as_(secret))).status_code == 401

        too_much = await client.post(
            "/api/v1/tokens", json={"name": "x", "scopes": ["users"]}, headers=await bearer(auth, Role.DUTY)
        )
        assert too_much.status_code == 403  # a token cannot do more than its owner

        _, reader = await auth.tokens.create("prom", "reader", frozenset({Permission.READ}), None)
        disabled = await client.patch("/api/v1/users/prom", json={"disabled": True}, headers=admin)
        assert disabled.status_code == 200, disabled.text
        assert (await client.get("/api/v1/sensors", headers=as_(reader))).status_code == 401


async def test_every_mutation_is_audited_with_who_where_and_before_after(runtime: Runtime) -> None:
    async with api_client(runtime) as admin:
        steps = [
            ("POST", "/api/v1/users", {"name": "wang.li", "role": "duty", "password": STRONG}, 201),
            ("PATCH", "/api/v1/users/wang.li", {"role": "manager"}, 200),
            ("PUT", "/api/v1/users/wang.li/password", {"password": "another-long-password-7"}, 204),
            ("POST", "/api/v1/tokens", {"name": "t", "scopes": ["read"]}, 201),
            ("POST", "/api/v1/alerts/silences", {"matchers": {"zone": "hall"}, "end": "2099-01-01T00:00:00Z",
                                                 "reason": "装修 / works"}, 200),
            ("POST", "/api/v1/alerts/acknowledge", {"key": "nope"}, 409),
        ]  # fmt: skip
        created: dict[str, str] = {}
        for method, path, body, code in steps:
            answer = await admin.request(method, path, json=body)
            assert answer.status_code == code, (path, answer.text)
            if path.endswith(("tokens", "silences")):
                created[path] = answer.json()["id"]
        assert (await admin.delete(f"/api/v1/tokens/{created['/api/v1/tokens']}")).status_code == 200
        ident = created["/api/v1/alerts/silences"]
        assert (await admin.delete(f"/api/v1/alerts/silences/{ident}")).status_code == 200
        weak = await admin.post("/api/v1/users", json={"name": "x.y", "role": "viewer", "password": "short"})
        assert weak.status_code == 422
        assert "10" in weak.text
        records = (await admin.get("/api/v1/audit")).json()
    actions = [(r["action"], r["outcome"].split(":")[0]) for r in reversed(records)]
    assert [a for a in actions if a[0] != "auth.login"] == [
        ("user.add", "ok"),
        ("user.update", "ok"),
        ("user.password", "ok"),
        ("token.create", "ok"),
        ("alert.silence", "ok"),
        ("alert.acknowledge", "refused"),
        ("token.revoke", "ok"),
        ("alert.unsilence", "ok"),
    ]
    update = next(r for r in records if r["action"] == "user.update")
    assert (update["actor"], update["via"], update["address"]) == ("test-admin", "token", "127.0.0.1")
    assert (update["before"]["role"], update["after"]["role"]) == ("duty", "manager")
    assert all("password" not in str(r["after"]) for r in records)
    with (
        sqlite3.connect(runtime.store.path) as db,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        db.execute("UPDATE auth_audit SET actor = 'someone else'")
    with (
        sqlite3.connect(runtime.store.path) as db,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        db.execute("DELETE FROM auth_audit")


async def test_a_refused_change_is_audited_and_a_viewer_cannot_act(runtime: Runtime) -> None:
    async with api_client(runtime, Role.VIEWER) as viewer:
        answer = await viewer.post("/api/v1/alerts/acknowledge", json={"key": "x"})
        assert answer.status_code == 403
    (record,) = await runtime.audit.list(actor="test-viewer")
    assert (record.action, record.outcome) == (
        "POST /api/v1/alerts/acknowledge",
        "refused: needs acknowledge",
    )


async def test_password_change_ends_sessions_and_checks_the_current_one(runtime: Runtime) -> None:
    await runtime.auth.users.add("chen.jing", Role.VIEWER, STRONG)
    async with api_client(runtime, None) as client:
        csrf = (await _login(client, "chen.jing", STRONG)).json()["csrf_token"]
        wrong = await client.post(
            "/api/v1/auth/password",
            json={"current": "not it", "new": "brand-new-password-9"},
            headers={CSRF_HEADER: csrf},
        )
        assert wrong.status_code == 403
        ok = await client.post(
            "/api/v1/auth/password",
            json={"current": STRONG, "new": "brand-new-password-9"},
            headers={CSRF_HEADER: csrf},
        )
        assert ok.status_code == 204
        assert (await client.get("/api/v1/auth/me")).json()["via"] == "anonymous"  # the session has ended
        assert COOKIE in client.cookies
        assert (await _login(client, "chen.jing", "brand-new-password-9")).status_code == 200


async def test_anonymous_read_when_the_site_allows_it(tmp_path: Path) -> None:
    config = small_site(
        tmp_path, tcp_port=free_port(), rtu_port=free_port(), extra="api: {auth: {anonymous_role: viewer}}\n"
    )
    async with Runtime(load_site(config)) as runtime, api_client(runtime, None) as client:
        assert (await client.get("/api/v1/sensors")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
        assert (await client.post("/api/v1/alerts/acknowledge", json={"key": "x"})).status_code == 401
        assert (
            await client.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]})
        ).status_code == 401
    assert PASSWORD  # the shared test password is long enough for the policy
