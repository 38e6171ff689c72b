"""An HTTP client on the API over a running Runtime, signed in as a user of a given role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from anjing.runtime import Runtime
from api import create_app
from api.auth import Role
from api.auth.service import AuthService

PASSWORD = "测试用的长密码 / a long test password"


async def bearer(auth: AuthService, role: Role = Role.ADMIN) -> dict[str, str]:
    """A header with a fresh token of the user `test-<role>` (created when missing), scoped to the role."""
    name = f"test-{role.value}"
    if await auth.users.get(name) is None:
        await auth.users.add(name, role, PASSWORD)
    _, secret = await auth.tokens.create(name, "tests", role.permissions, None)
    return {"Authorization": f"Bearer {secret}"}


@asynccontextmanager
async def api_client(
    runtime: Runtime, role: Role | None = Role.ADMIN, *, base_url: str = "http://anjing"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh app over `runtime` (already started); anonymous when `role` is None."""
    app = create_app(lambda: runtime)  # ASGITransport runs no lifespan: the context is set here
    app.state.context = runtime
    headers = {} if role is None else await bearer(runtime.auth, role)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers) as client:
        yield client
