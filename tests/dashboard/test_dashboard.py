"""The dashboard in a real browser: sign in, live overview, a 30-day trend, acknowledging an alert, and
the lobby kiosk without sign-in offering nothing but the visitors' feedback form."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Browser, ViewportSize

from api.auth import Role
from sensors import Quantity, Reading
from tests.dashboard import support
from tests.dashboard.conftest import LAMP, Served, shot, sign_in

VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
LOBBY: ViewportSize = {"width": 1920, "height": 1080}


async def test_sign_in_and_see_the_overview_with_live_values(served: Served, browser: Browser) -> None:
    page = await browser.new_page(viewport=VIEWPORT)
    await page.goto(f"{served.url}/", wait_until="load")
    await page.fill("#login-user", "manager")
    await page.fill("#login-password", "wrong password!")
    await page.click("#login-submit")
    await page.wait_for_selector("#login-message:has-text('wrong user name or password')", timeout=20_000)
    await shot(page, "login")
    await sign_in(page, served.url)
    hall = page.locator(".tile", has_text="服务大厅")
    await hall.locator(".kv-value").first.wait_for(timeout=20_000)
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.kv-now')].some(e => /^[0-9]/.test(e.textContent))",
        timeout=30_000,
    )
    assert "设备在线" in await page.inner_text(".health-line")
    stair = page.locator(".tile", has_text="东楼梯间")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.tile')].some(t => t.classList.contains('alert'))",
        timeout=30_000,
    )
    assert "alert" in (await stair.get_attribute("class") or "")  # the failed lamp's zone
    assert "应急灯具故障" in await page.inner_text("#overview-alerts")
    await page.click("#lang-switch")
    await page.wait_for_selector(".nav-link:has-text('Overview')", timeout=10_000)
    await page.click("#lang-switch")
    await page.wait_for_selector(".nav-link:has-text('总览')", timeout=10_000)
    await shot(page, "overview")


async def test_acknowledge_an_alert_and_see_it_change(served: Served, browser: Browser) -> None:
    page = await browser.new_page(viewport=VIEWPORT)
    await sign_in(page, served.url)
    await page.click(".nav-link:has-text('告警')")
    card = page.locator(".card.alert").filter(has_text="应急灯具故障").first
    button = card.locator("button:has-text('确认')")
    await button.wait_for(timeout=30_000)
    await card.locator(".comment input").first.fill("已派人更换 / replacing it")
    await asyncio.sleep(6)  # a refresh in between keeps what was typed
    await button.click()
    await page.wait_for_selector("#alert-message:has-text('已完成')", timeout=20_000)
    await page.wait_for_selector(".state.acknowledged", timeout=20_000)
    status = served.runtime.alerts.engine.status(LAMP)
    assert (status.state.value, status.acked_by, status.comment) == (
        "acknowledged",
        "manager",
        "已派人更换 / replacing it",
    )
    (record,) = await served.runtime.audit.list(action="alert.acknowledge")
    assert (record.actor, record.via, record.target) == ("manager", "session", LAMP)
    await shot(page, "alerts")
    await page.click(".nav-link:has-text('设备')")
    await page.wait_for_selector("td.state.online", timeout=20_000)
    await shot(page, "devices")


async def test_a_30_day_trend_is_drawn_from_server_side_buckets(served: Served, browser: Browser) -> None:
    """30 days at 10-second resolution (259 200 readings) reach the browser as about 800 buckets."""
    end = datetime.now(UTC)
    start = end - timedelta(days=30)
    readings = [
        Reading("aq-1.co2", Quantity.CO2, 600 + 300 * ((i // 360) % 4), start + timedelta(seconds=10 * i))
        for i in range(30 * 8640)
    ]
    for first in range(0, len(readings), 50_000):
        await served.runtime.store.write(readings[first : first + 50_000])
    page = await browser.new_page(viewport=VIEWPORT)
    await sign_in(page, served.url)
    began = time.perf_counter()
    await page.goto(f"{served.url}/trends?sensor=aq-1.co2&range=30d", wait_until="load")
    await page.wait_for_function(
        "() => { const g = document.querySelector('#trend-graph .js-plotly-plot');"
        " return g && g.data && g.data.length >= 3 && g.data[2].x.length > 700; }",
        timeout=60_000,
    )
    drawn = time.perf_counter() - began
    shipped = await page.evaluate(
        "() => document.querySelector('#trend-graph .js-plotly-plot').data.map(t => t.x.length)"
    )
    assert max(shipped) <= 802, shipped  # one bucket per pixel column, never the 259 200 readings
    assert await page.locator("#trend-graph .shapelayer path").count() >= 1  # the CO2 limit line
    print(f"30-day trend drawn {drawn:.2f} s after navigation; points per trace {shipped}")
    await shot(page, "trends")


async def test_the_kiosk_needs_no_sign_in_and_offers_only_the_feedback_form(
    served: Served, browser: Browser
) -> None:
    page = await browser.new_page(viewport=LOBBY)
    await page.goto(f"{served.url}/kiosk", wait_until="load")
    await page.wait_for_selector(".kiosk-number", timeout=30_000)
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.kiosk-number')].some(e => /^[0-9]/.test(e.textContent))",
        timeout=30_000,
    )
    assert "服务大厅" in await page.inner_text(".kiosk")
    for control in ("select", "textarea", "form", "a"):
        assert await page.locator(f".kiosk {control}").count() == 0, control
    # its only controls are the visitors' feedback form: seven complaint buttons, submit and cancel, the
    # zone picker (one public zone) and two text fields — nothing that reads cases or touches alerts
    for control in ("button", "input"):
        assert (
            await page.locator(f".kiosk {control}").count()
            == await page.locator(f".kiosk .fb {control}").count()
        )
    assert await page.locator(".kiosk .fb button").count() == 7 + 2
    assert await page.locator(".kiosk .fb input").count() == 1 + 2
    assert await page.locator("#header *").count() == 0  # no menu, no sign-in link
    await shot(page, "kiosk")
    # a crafted dashboard request without a session is refused like the API refuses it
    async with httpx.AsyncClient(base_url=served.url) as anonymous:
        act = await anonymous.post(
            "/_dash-update-component",
            json={
                "output": "alert-message.children",
                "outputs": {"id": "alert-message", "property": "children"},
                "inputs": [
                    {"id": {"type": "ack", "key": LAMP}, "property": "n_clicks", "value": 1},
                ],
                "changedPropIds": [f'{{"key":"{LAMP}","type":"ack"}}.n_clicks'],
                "state": [],
            },
        )
    assert served.runtime.alerts.engine.status(LAMP).acked_by is None, act.text


async def test_an_admin_probes_registers_and_a_manager_has_no_probe(served: Served, browser: Browser) -> None:
    await served.runtime.auth.users.add("admin.wang", Role.ADMIN, "probe-secret-3")
    page = await browser.new_page(viewport=VIEWPORT)
    await support.sign_in(page, served.url, "admin.wang", "probe-secret-3")
    await page.goto(f"{served.url}/devices", wait_until="load")
    await page.wait_for_selector("td.plan:has-text('FC03 0x0000–0x0008')", timeout=20_000)
    await page.click("summary:has-text('寄存器探测')")
    await page.fill("#probe-count", "9")
    await page.click("#probe-read")
    await page.wait_for_selector("#probe-result table", timeout=20_000)
    assert await page.locator("#probe-result tbody tr").count() == 9
    await shot(page, "devices-probe")
    (record,) = await served.runtime.audit.list(action="device.probe")
    assert (record.actor, record.target) == ("admin.wang", "gw unit 1 FC03 0x0000+9")  # the first bus

    manager = await browser.new_page(viewport=VIEWPORT)
    await sign_in(manager, served.url)
    await manager.goto(f"{served.url}/devices", wait_until="load")
    await manager.wait_for_selector("td.state", timeout=20_000)
    assert await manager.locator("#probe-read").count() == 0


async def test_a_manager_previews_and_downloads_the_monthly_report(served: Served, browser: Browser) -> None:
    month = datetime.now(served.runtime.site.config.site.tz).strftime("%Y-%m")
    page = await browser.new_page(viewport=VIEWPORT)
    await sign_in(page, served.url)
    await page.goto(f"{served.url}/reports?month={month}", wait_until="load")
    await page.click("#report-preview")
    await page.wait_for_selector("#report-body table tbody tr", timeout=60_000)
    assert "数据完整率" in await page.inner_text("#report-body")
    href = await page.get_attribute("#report-downloads a:has-text('XLSX')", "href")
    assert href is not None
    assert f"month={month}" in href
    download = await page.request.get(f"{served.url}{href}")  # the browser's session cookie
    assert download.status == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    await shot(page, "reports")
    actions = [r.action for r in await served.runtime.audit.list(action="report.export")]
    assert len(actions) == 2  # the preview and the download
