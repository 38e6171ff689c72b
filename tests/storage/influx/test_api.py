"""The outbox in the API: `/healthz` fields, `/api/v1/outbox` and `/metrics`, on a runtime forwarding to a
real VictoriaMetrics that goes away and comes back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from anjing.runtime import Runtime
from collectors.simulator import Simulation
from config import load_site
from tests.api_client import api_client
from tests.helpers import free_port, small_site
from tests.storage.influx.servers import VictoriaMetrics


async def poll(client: httpx.AsyncClient, url: str, ready: Callable[[Any], bool], within: float = 15) -> Any:
    body: Any = None
    deadline = asyncio.get_running_loop().time() + within
    while not ready(body := (await client.get(url)).json()):
        assert asyncio.get_running_loop().time() < deadline, f"{url} never ready: {body}"
        await asyncio.sleep(0.1)
    return body


def metric(text: str, name: str) -> float:
    (value,) = [float(line.split()[1]) for line in text.splitlines() if line.startswith(f"{name} ")]
    return value


async def test_outbox_stats_follow_the_forwarder(tmp_path: Path, victoria: VictoriaMetrics) -> None:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms")
    config.write_text(
        config.read_text().replace(
            "sqlite: {path: data/test.db}",
            "sqlite: {path: data/test.db}\n  flush_interval: 200ms\n"
            f"  influxdb: {{url: '{victoria.url}', bucket: b, token: '${{INFLUX_TOKEN}}', retry_max: 200ms}}",
        )
    )
    site = load_site(config, {"INFLUX_TOKEN": "t"})
    async with Simulation(site), Runtime(site) as runtime, api_client(runtime) as client:
        ok = await poll(client, "/api/v1/outbox", lambda b: b["sent"] > 0 and b["state"] == "ok")
        assert ok["configured"] is True
        health = (await client.get("/healthz")).json()
        assert health["outbox_state"] == "ok"
        assert isinstance(health["outbox_depth"], int)
        victoria.stop()
        down = await poll(client, "/api/v1/outbox", lambda b: b["state"] == "retrying" and b["depth"] > 50)
        assert down["retried"] >= 1
        assert "InfluxDB" in down["last_error"]
        text = (await client.get("/metrics")).text
        assert metric(text, "anjing_outbox_depth") > 50
        assert metric(text, "anjing_outbox_retried_total") >= 1
        assert metric(text, "anjing_outbox_oldest_age_seconds") > 0
        assert "# TYPE anjing_outbox_sent_total counter" in text
        victoria.start()
        drained = await poll(
            client, "/api/v1/outbox", lambda b: b["state"] == "ok" and b["oldest_age_seconds"] < 2
        )
        assert drained["sent"] >= down["sent"] + down["depth"]


async def test_without_influxdb_the_outbox_is_not_configured(tmp_path: Path) -> None:
    site = load_site(small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port()))
    async with Runtime(site) as runtime, api_client(runtime) as client:
        body = (await client.get("/api/v1/outbox")).json()
        assert (body["configured"], body["depth"], body["state"]) == (False, 0, None)
        assert (await client.get("/healthz")).json()["outbox_depth"] is None
        assert "anjing_outbox" not in (await client.get("/metrics")).text
