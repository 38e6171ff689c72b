"""Serving the dashboard over a running Runtime on a free loopback port, and Debian's headless Chromium
driven by Playwright (no browser download): shared by the browser tests and bench/dashboard_bench.py."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from anjing.runtime import Runtime
from api import create_app
from dashboard import mount_dashboard
from tests.helpers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@asynccontextmanager
async def serve(runtime: Runtime) -> AsyncIterator[str]:
    """The API and the dashboard over `runtime` (already started) on a free port; yields the base URL."""
    app = create_app(lambda: runtime)
    app.state.context = runtime  # the lifespan is off: the runtime is the caller's
    mount_dashboard(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 — uvicorn offers no event for it
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not await asyncio.to_thread(Path(CHROMIUM).exists):
        raise RuntimeError("chromium is missing: `make test` installs it (scripts/install-test-deps.sh)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in(page: Page, url: str, user: str, password: str) -> None:
    await page.goto(f"{url}/", wait_until="load")
    await page.fill("#login-user", user)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await page.wait_for_selector(".nav", timeout=20_000)
