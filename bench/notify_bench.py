"""Notification latency: from the engine handing a firing transition to the notifier to the webhook
receiver's HTTP request arriving (group_wait 0: the pipeline's own cost — queue write, channel, HTTP).

Run from the repository: `.venv/bin/python bench/notify_bench.py` (a few seconds). It prints the
median and p99 that bench/RESULTS.md quotes. The receiver is a real HTTP server on a loopback port;
each alert is a new group, sent one at a time, and the SQLite queue is in a temporary folder.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from alerts import AlertState, Transition, build_engine
from alerts.notify import Notifier
from config import load_site
from config.catalog import build_catalog

ALERTS = 300
SITE = """
site: {{name: bench, timezone: Asia/Shanghai}}
zones: [{{id: hall, name: 服务大厅, kind: service_hall}}]
notify:
  channels: [{{id: hook, type: webhook, url: "{url}/hook", secret: bench}}]
  receivers: [{{id: duty, name: 值班员, channels: [{{channel: hook}}]}}]
  routes: [{{receivers: [duty], group_by: [rule], group_wait: 0s}}]
"""


def serve(arrivals: list[float], arrived: threading.Event) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.append(time.perf_counter())
            arrived.set()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def firing(n: int) -> Transition:
    return Transition(
        ts=time.time(),
        key=f"bench/r{n}@hall",
        rule=f"bench/r{n}",
        name="甲醛 1小时平均 / Formaldehyde 1-hour mean",
        subject="hall",
        zone="hall",
        state=AlertState.FIRING,
        previous=AlertState.PENDING,
        severity="warning",
        value=0.12,
        unit="mg/m³",
        limit="≤ 0.08 mg/m³",
    )


async def main() -> None:
    arrivals: list[float] = []
    arrived = threading.Event()
    server = serve(arrivals, arrived)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "site.yaml"
        host, port = server.server_address[:2]
        path.write_text(SITE.format(url=f"http://{host!s}:{port}"), encoding="utf-8")
        site = load_site(path)
        assert site.config.notify is not None
        notifier = Notifier(site, site.config.notify, build_engine(site, build_catalog(site)))
        await notifier.start(Path(folder) / "site.db")
        latencies = []
        for n in range(ALERTS):
            arrived.clear()
            start = time.perf_counter()
            notifier.listen(firing(n))
            if not await asyncio.to_thread(arrived.wait, 5.0):
                raise TimeoutError(f"alert {n} never reached the receiver")
            latencies.append((arrivals[-1] - start) * 1000)
        await notifier.stop()
    server.shutdown()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}")
    print(f"{ALERTS} alerts, one at a time: median {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
