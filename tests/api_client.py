"""An HTTP client on the API over a running Runtime, signed in as a user of a given role."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import uvicorn

from anjing.runtime import Runtime
from api import create_app
from api.auth import Role
from api.auth.service import AuthService
from config import Site
from tests.helpers import free_port

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


@contextmanager
def served_in_thread(site: Site, name: str) -> Iterator[str]:
    """The app over `site` served by uvicorn on a free port in a thread, its lifespan starting and
    stopping the site's Runtime (for clients outside the test's event loop); yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(lambda: Runtime(site)), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, name=name)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert thread.is_alive(), "the server stopped before it started"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=30)
