"""A real server over a running Runtime with the dashboard, and a real browser; screenshots go to
tests/artifacts/ for review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from anjing.runtime import Runtime
from api.auth import Role
from config import load_site
from tests.dashboard import support
from tests.helpers import lamp_fault_site

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "desk-secret-2026"
LAMP = "gb-51309-2018/lamp-fault@em-1.lamp_1"


@dataclass
class Served:
    runtime: Runtime
    url: str


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """The small simulated site with a failed lamp and visitor feedback, served with the dashboard; a
    manager to sign in."""
    site = load_site(lamp_fault_site(tmp_path, extra="feedback: {}\n"))  # the kiosk's feedback form
    async with Runtime(site) as runtime, support.serve(runtime) as url:
        await runtime.auth.users.add("manager", Role.MANAGER, PASSWORD)
        yield Served(runtime, url)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with support.chromium() as launched:
        yield launched


async def sign_in(page: Page, url: str) -> None:
    await support.sign_in(page, url, "manager", PASSWORD)


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
