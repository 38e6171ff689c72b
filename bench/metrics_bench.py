"""Self-monitoring benchmark: what one `/metrics` scrape and one `/healthz` or `/readyz` probe cost.

Run from the repository: `.venv/bin/python bench/metrics_bench.py` (under a minute). A small
simulated site (five Modbus devices on two buses) runs for real; then 500 more device entries with
counters and MQTT rejections are put on its status board, as a site ten times the demo's would have.
Each figure is the median of many requests through the ASGI app (no network), printed for
bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

import httpx

from anjing.runtime import Runtime
from api import create_app
from collectors.simulator import Simulation
from config import load_site
from config.mqtt import MQTT_BUS
from tests.helpers import free_port, small_site

ROUNDS = 200
EXTRA_DEVICES = 500


async def timed(client: httpx.AsyncClient, url: str) -> tuple[float, int]:
    """Median milliseconds of ROUNDS requests, and the body's size."""
    took, size = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = await client.get(url)
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        size = len(response.content)
    return statistics.median(took), size


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = small_site(
            Path(folder),
            tcp_port=free_port(),
            rtu_port=free_port(),
            poll="200ms",
            extra="api: {auth: {anonymous_role: viewer}}\n",
        )
        site = load_site(config)
        app = create_app(lambda: Runtime(site))
        async with Simulation(site), Runtime(site) as runtime:
            app.state.context = runtime
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await asyncio.sleep(2)  # every device polled a few times
                small = await timed(client, "/metrics")
                alive = await timed(client, "/healthz")
                ready = await timed(client, "/readyz")
                for i in range(EXTRA_DEVICES):
                    mqtt = i % 2 == 0
                    status = runtime.board.register(f"dev-{i:03d}", MQTT_BUS if mqtt else "line", i % 247)
                    status.online, status.requests, status.timeouts = True, 10_000 + i, i
                    status.messages = 5_000 + i
                    if mqtt:
                        status.rejected = {f"t/{i}/{j}": {"malformed": j, "wrong_type": 1} for j in range(3)}
                large = await timed(client, "/metrics")
    print(f"Python {platform.python_version()}, {platform.machine()}; medians of {ROUNDS} requests")
    print(f"/metrics, 5 devices:     {small[0]:6.2f} ms, {small[1] / 1024:6.1f} KiB")
    print(f"/metrics, 505 devices:   {large[0]:6.2f} ms, {large[1] / 1024:6.1f} KiB")
    print(f"/healthz:                {alive[0]:6.2f} ms")
    print(f"/readyz (store read):    {ready[0]:6.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
