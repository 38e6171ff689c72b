"""The README's screenshots, from the demo site as `make run` starts it (scripted events included).

Run from the repository while nothing else uses the demo's ports: `.venv/bin/python
scripts/screenshots.py` (about 5 minutes: it waits for the demo's events). Writes
docs/screenshots/{overview,trends,alerts,kiosk}.png; the demo's store is a temporary copy.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from anjing.runtime import Runtime
from api.auth import Role
from config import load_site
from tests.dashboard.support import chromium, serve, sign_in

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "examples" / "demo-site.yaml"
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshot-secret-1"


async def main(wait: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        text = DEMO.read_text(encoding="utf-8").replace("../../data/anjing.db", f"{folder}/anjing.db")
        site_file = Path(folder) / "demo-site.yaml"
        site_file.write_text(text, encoding="utf-8")
        async with Runtime(load_site(site_file)) as runtime, serve(runtime) as url, chromium() as browser:
            await runtime.auth.users.add("zhang.wei", Role.MANAGER, PASSWORD)
            print(f"demo running at {url}; waiting {wait:.0f} s for its events…")
            await asyncio.sleep(wait)
            OUT.mkdir(exist_ok=True)
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            await sign_in(page, url, "zhang.wei", PASSWORD)
            for name, path, ready in (
                ("overview", "/", ".tile .kv-now"),
                (
                    "trends",
                    "/trends?sensor=aq-meeting.hcho,aq-hall-1.co2&range=6h",
                    "#trend-graph .scatterlayer",
                ),
                ("alerts", "/alerts", ".card.alert"),
            ):
                await page.goto(f"{url}{path}", wait_until="load")
                await page.wait_for_selector(ready, timeout=30_000)
                await asyncio.sleep(2)
                await page.screenshot(path=str(OUT / f"{name}.png"))
            lobby = await browser.new_page(viewport={"width": 1600, "height": 900})
            await lobby.goto(f"{url}/kiosk", wait_until="load")
            await lobby.wait_for_selector(".kiosk-number", timeout=30_000)
            await asyncio.sleep(2)
            await lobby.screenshot(path=str(OUT / "kiosk.png"))
    print(f"written: {', '.join(sorted(p.name for p in OUT.glob('*.png')))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=300.0, help="seconds of demo before the shots")
    asyncio.run(main(parser.parse_args().wait))
