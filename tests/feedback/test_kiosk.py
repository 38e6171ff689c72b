"""The feedback form in headless Chromium: a visitor taps 太热 on the lobby kiosk, keeps the zone on
screen, adds a few words and submits; the manager finds the case with the hall's readings as evidence
and answers it. A phone opens the form from the kiosk's QR code."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import ViewportSize

from anjing.runtime import Runtime
from api.auth import Role
from config import load_site
from tests.dashboard import support
from tests.dashboard.conftest import shot
from tests.helpers import lamp_fault_site

LOBBY: ViewportSize = {"width": 1920, "height": 1080}
PHONE: ViewportSize = {"width": 390, "height": 844}
PASSWORD = "desk-secret-2026"


async def test_a_visitor_reports_from_the_kiosk_and_the_manager_answers(tmp_path: Path) -> None:
    site = load_site(lamp_fault_site(tmp_path, extra="feedback: {}\n"))
    async with (
        Runtime(site) as runtime,
        support.serve(runtime) as url,
        support.chromium() as browser,
    ):
        await runtime.auth.users.add("manager", Role.MANAGER, PASSWORD)
        kiosk = await browser.new_page(viewport=LOBBY)
        await kiosk.goto(f"{url}/kiosk", wait_until="load")
        await kiosk.wait_for_function(  # live readings on screen first: they become the evidence
            "() => [...document.querySelectorAll('.kiosk-number')].some(e => /^[0-9]/.test(e.textContent))",
            timeout=30_000,
        )
        assert "zone=hall" in (await kiosk.get_attribute("#kiosk-qr", "src") or "")
        await kiosk.click(".fb-hot")
        await kiosk.wait_for_selector("#fb-form", state="visible")
        assert await kiosk.is_checked("#fb-zone input[value=hall]")  # the zone on screen
        await kiosk.fill("#fb-text", "窗边太晒")
        await kiosk.click("#fb-submit")
        await kiosk.wait_for_selector(".fb-message:has-text('已收到')", timeout=10_000)
        assert not await kiosk.is_visible("#fb-form")

        manager = await browser.new_page(viewport={"width": 1400, "height": 900})
        await support.sign_in(manager, url, "manager", PASSWORD)
        await manager.click("a.nav-link:has-text('访客反馈')")
        card = manager.locator(".card.case").first
        await card.wait_for(timeout=20_000)
        text = await card.inner_text()
        assert "太热" in text
        assert "窗边太晒" in text
        assert "温度 / Temperature" in text  # the hall's temperature at that moment, from its sensors
        (case,) = await runtime.feedback.cases()  # type: ignore[union-attr]
        assert case.evidence[0]["value"] is not None
        await manager.fill("[id*='case-answer-text']", "已调低空调")
        await manager.click("button:has-text('答复')")
        await manager.wait_for_selector(".card.case.answered", timeout=10_000)
        await shot(manager, "feedback-cases")

        phone = await browser.new_page(viewport=PHONE)
        async with httpx.AsyncClient(base_url=url) as anonymous:
            qr = await anonymous.get("/api/v1/feedback/qr", params={"zone": "hall"})
        assert qr.headers["content-type"] == "image/svg+xml"
        assert qr.text.startswith("<?xml")
        await phone.goto(f"{url}/feedback?zone=hall", wait_until="load")
        await phone.click(".fb-dark")
        await phone.fill("#fb-phone", "1381234")  # a wrong number gets a clear word back
        await phone.click("#fb-submit")
        await phone.wait_for_selector(".fb-message:has-text('11位手机号')", timeout=10_000)
        await phone.fill("#fb-phone", "13812345678")
        await phone.click("#fb-submit")
        await phone.wait_for_selector(".fb-message:has-text('已收到')", timeout=10_000)
        cases = await runtime.feedback.cases()  # type: ignore[union-attr]
        newest = cases[0]  # open cases first, newest first
        assert (newest.kind.value, newest.source, newest.phone) == ("dark", "phone", "13812345678")
