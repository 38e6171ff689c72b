"""Self-monitoring over real sockets: `/metrics` as Prometheus parses it, `/healthz` (liveness) and
`/readyz` (readiness) as a supervisor and a load balancer read them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from anjing.runtime import Runtime
from api import create_app
from collectors.simulator import Simulation
from config import Site, load_site
from tests.helpers import free_port, small_site

VIEWER = "api: {auth: {anonymous_role: viewer}}\n"  # Prometheus without a token, for these tests


class Scraper:
    def __init__(self, runtime: Runtime, sim: Simulation, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.sim = sim
        self.client = client

    async def scrape(self) -> dict[str, list[Sample]]:
        response = await self.client.get("/metrics")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        samples: dict[str, list[Sample]] = {}
        for family in text_string_to_metric_families(response.text):  # raises on a malformed exposition
            for sample in family.samples:
                samples.setdefault(sample.name, []).append(sample)
        return samples

    async def until(self, check: str, within: float = 15.0) -> dict[str, list[Sample]]:
        """Scrape until `check` (a sample name and labels, `name{a=b,c=d}>0`) holds."""
        name, _, rest = check.partition("{")
        labels_text, _, threshold = rest.partition("}>")
        labels = dict(pair.split("=") for pair in labels_text.split(",") if pair)
        async with asyncio.timeout(within):
            while True:
                samples = await self.scrape()
                if value(samples, name, **labels) > float(threshold):
                    return samples
                await asyncio.sleep(0.1)


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    """The one sample of `name` whose labels include `labels` (0 when there is none)."""
    found = [s.value for s in samples.get(name, []) if labels.items() <= s.labels.items()]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def _site(tmp_path: Path, extra: str = VIEWER) -> Site:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms", extra=extra)
    return load_site(config)


@pytest.fixture
async def scraper(tmp_path: Path) -> AsyncIterator[Scraper]:
    site = _site(tmp_path)
    app = create_app(lambda: Runtime(site))
    async with Simulation(site) as sim, Runtime(site) as runtime:
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            yield Scraper(runtime, sim, client)


async def test_metrics_follow_the_buses_the_store_and_the_alerts(scraper: Scraper) -> None:
    samples = await scraper.until("anjing_store_written_total{}>0")
    samples = await scraper.until("anjing_modbus_poll_duration_seconds_count{device=door-1}>2")
    for device, bus in [
        ("aq-1", "line"),
        ("th-1", "line"),
        ("lux-1", "line"),
        ("em-1", "gw"),
        ("door-1", "gw"),
    ]:
        assert value(samples, "anjing_device_state", device=device, bus=bus, state="online") == 1
        assert value(samples, "anjing_device_state", device=device, state="offline") == 0
        assert value(samples, "anjing_modbus_requests_total", device=device, bus=bus) > 0
        assert value(samples, "anjing_modbus_timeouts_total", device=device) == 0
        assert value(samples, "anjing_modbus_crc_errors_total", device=device) == 0
        assert value(samples, "anjing_modbus_poll_interval_seconds", device=device) == 0.2
        polls = value(samples, "anjing_modbus_poll_duration_seconds_count", device=device)
        took = value(samples, "anjing_modbus_poll_duration_seconds_sum", device=device)
        line = value(samples, "anjing_modbus_line_seconds_total", device=device)
        assert polls > 0
        assert 0 < line <= took < polls * 0.2  # each poll fits in its interval; the line time is within it
        assert value(samples, "anjing_device_last_good_timestamp_seconds", device=device) > 1.7e9
    status = scraper.runtime.board.get("aq-1")
    assert status is not None
    assert value(samples, "anjing_modbus_requests_total", device="aq-1") <= status.requests
    for part in ("store-writer", "modbus", "alerts"):
        assert value(samples, "anjing_part_up", part=part) == 1
    assert value(samples, "anjing_build_info", site="测试中心") == 1
    assert value(samples, "anjing_stream_capacity") == 10_000
    assert value(samples, "anjing_store_write_duration_seconds_count") >= 1
    assert value(samples, "anjing_store_failing") == 0
    engine = scraper.runtime.alerts.engine
    assert sum(s.value for s in samples["anjing_alerts"]) == len(engine.bindings)
    assert samples["process_resident_memory_bytes"][0].value > 0
    assert not any(name.startswith("anjing_outbox") for name in samples)  # no InfluxDB configured
    assert not any(name.startswith("anjing_mqtt") for name in samples)  # nor MQTT

    scraper.sim.trigger("th-1", "dead")
    samples = await scraper.until("anjing_device_state{device=th-1,state=offline}>0")
    assert value(samples, "anjing_modbus_timeouts_total", device="th-1") >= 3
    assert value(samples, "anjing_modbus_failed_polls_total", device="th-1") >= 3
    assert value(samples, "anjing_device_state", device="lux-1", state="online") == 1  # its neighbour


async def test_metrics_speak_openmetrics_when_asked(scraper: Scraper) -> None:
    response = await scraper.client.get("/metrics", headers={"accept": "application/openmetrics-text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
    assert "# TYPE anjing_modbus_requests counter" in response.text


async def test_metrics_need_the_metrics_permission(tmp_path: Path) -> None:
    site = _site(tmp_path, extra="")  # no anonymous reading: Prometheus needs a token
    app = create_app(lambda: Runtime(site))
    async with Runtime(site) as runtime:
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            assert (await client.get("/metrics")).status_code == 401
            assert (await client.get("/healthz")).status_code == 200  # probes stay open
            assert (await client.get("/readyz")).status_code == 200


async def test_ready_and_alive_while_everything_runs(scraper: Scraper) -> None:
    ready = await scraper.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"store", "store-writer", "modbus", "alerts"}
    assert all(check["ok"] for check in body["checks"].values())
    assert ready.headers["cache-control"] == "no-store"
    alive = await scraper.client.get("/healthz")
    assert alive.status_code == 200
    assert alive.json()["parts"] == {"store-writer": None, "modbus": None, "alerts": None}


async def test_a_locked_store_is_not_ready_but_alive(tmp_path: Path) -> None:
    """Another process (a careless backup) holds the write lock: writes fail, readiness says so,
    liveness does not ask for a restart, and both recover when the lock goes."""
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms", extra=VIEWER)
    config.write_text(config.read_text().replace("sqlite: {path: data/test.db}", _FAST_FLUSH))
    site = load_site(config)
    app = create_app(lambda: Runtime(site))
    async with Simulation(site), Runtime(site) as runtime:
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            locker = sqlite3.connect(tmp_path / "data" / "test.db", timeout=0, isolation_level=None)
            try:
                locker.execute("BEGIN EXCLUSIVE")
                body = await _until(client, "/readyz", lambda r: r.status_code == 503, within=30)
                assert body["status"] == "not_ready"
                assert body["checks"]["store"]["ok"] is False
                assert "writes fail" in body["checks"]["store"]["detail"]
                assert body["checks"]["modbus"]["ok"] is True
                alive = await client.get("/healthz")
                assert alive.status_code == 200
                assert alive.json()["status"] == "degraded"
                text = (await client.get("/metrics")).text
                assert "anjing_store_failing 1.0" in text
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            await _until(client, "/readyz", lambda r: r.status_code == 200, within=30)
            assert runtime.writer is not None
            assert runtime.writer.failures >= 1


_FAST_FLUSH = "sqlite: {path: data/test.db}\n  flush_interval: 100ms"


async def test_a_stopped_part_fails_liveness_and_readiness(scraper: Scraper) -> None:
    (modbus,) = [task for task in asyncio.all_tasks() if task.get_name() == "anjing.modbus"]
    modbus.cancel()  # as if the collector had crashed: nothing brings it back but a restart
    await asyncio.gather(modbus, return_exceptions=True)
    alive = await scraper.client.get("/healthz")
    assert alive.status_code == 503
    assert alive.json()["status"] == "failed"
    assert "cancelled" in alive.json()["parts"]["modbus"]
    ready = await scraper.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["modbus"]["ok"] is False
    assert ready.json()["checks"]["store"]["ok"] is True
    samples = await scraper.scrape()
    assert value(samples, "anjing_part_up", part="modbus") == 0


async def _until(
    client: httpx.AsyncClient, url: str, check: Callable[[httpx.Response], bool], within: float
) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            response = await client.get(url)
            if check(response):
                body: dict[str, Any] = response.json()
                return body
            await asyncio.sleep(0.1)
