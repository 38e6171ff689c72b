"""The emergency-plan checklist in the browser: live status per item, signing a manual item, and no
sign buttons for a role that may not sign."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser

from anjing.runtime import Runtime
from api.auth import Role
from tests.dashboard import support
from tests.dashboard.conftest import shot
from tests.safety.support import safety_site

PASSWORD = "checklist-secret-5"
DOOR_PROPPED = "[{at: 0s, device: door-1, point: door_2, kind: door_propped}]"


async def test_items_show_live_status_and_a_manager_signs(tmp_path: Path, browser: Browser) -> None:
    async with Runtime(safety_site(tmp_path, DOOR_PROPPED)) as runtime, support.serve(runtime) as url:
        await runtime.auth.users.add("zhang.wei", Role.MANAGER, PASSWORD)
        await runtime.auth.users.add("li.ming", Role.DUTY, PASSWORD)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await support.sign_in(page, url, "zhang.wei", PASSWORD)
        await page.click(".nav-link:has-text('应急检查')")
        west = page.locator(".card.item").filter(has_text="西楼梯间畅通")
        await west.locator(".badge.live-problem").wait_for(timeout=30_000)  # the propped door
        east = page.locator(".card.item").filter(has_text="东楼梯间畅通")
        await east.locator(".badge.live-ok").wait_for(timeout=30_000)
        assert "已逾期" in await page.inner_text("#checklist-tasks") or "按期" in await page.inner_text(
            "#checklist-tasks"
        )
        panel = page.locator(".card.item").filter(has_text="报警控制器无故障")
        await panel.locator(".comment input").fill("面板自检通过 / panel self-test passed")
        await panel.locator("button:has-text('签署：正常')").click()
        await page.wait_for_selector("#checklist-message:has-text('已完成')", timeout=20_000)
        await panel.locator("text=最近签署: zhang.wei").wait_for(timeout=20_000)
        await shot(page, "checklist")
        (record,) = await runtime.audit.list(action="safety.sign")
        assert (record.actor, record.target, record.after["result"]) == (
            "zhang.wei",
            "alarm-panel",
            "ok",
        )

        duty = await browser.new_page()
        await support.sign_in(duty, url, "li.ming", PASSWORD)
        await duty.goto(f"{url}/checklist", wait_until="load")
        await duty.locator(".card.item").first.wait_for(timeout=20_000)
        assert await duty.locator("button:has-text('签署')").count() == 0  # duty may not sign
