"""The outbox raises Anjing's own alerts: a backlog that keeps growing, and credentials InfluxDB refuses."""

from __future__ import annotations

from pathlib import Path

from anjing.runtime import Runtime
from collectors.simulator import Simulation
from config import Site, load_site
from tests.api_client import api_client
from tests.helpers import free_port, small_site
from tests.storage.influx.servers import VictoriaMetrics
from tests.storage.influx.test_api import poll

GROWING = "anjing/service/outbox-growing@influxdb"
AUTH = "anjing/service/influx-auth@influxdb"


def _site(tmp_path: Path, url: str) -> Site:
    config = small_site(
        tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms", extra="alerting: {tick: 100ms}\n"
    )
    config.write_text(
        config.read_text().replace(
            "sqlite: {path: data/test.db}",
            "sqlite: {path: data/test.db}\n  flush_interval: 200ms\n"
            f"  influxdb: {{url: '{url}', bucket: b, token: '${{INFLUX_TOKEN}}', retry_max: 200ms,"
            " auth_retry: 200ms, growing_after: 1s}",
        )
    )
    return load_site(config, {"INFLUX_TOKEN": "t"})


def _states(alerts: list[dict[str, object]]) -> dict[object, object]:
    return {a["key"]: a["state"] for a in alerts}


async def test_an_unreachable_influxdb_raises_outbox_growing_until_it_drains(
    tmp_path: Path, victoria: VictoriaMetrics
) -> None:
    victoria.stop()
    site = _site(tmp_path, victoria.url)
    async with Simulation(site), Runtime(site) as runtime, api_client(runtime) as client:
        alerts = await poll(client, "/api/v1/alerts", lambda b: _states(b or []).get(GROWING) == "firing")
        growing = next(a for a in alerts if a["key"] == GROWING)
        assert growing["severity"] == "warning"
        victoria.start()
        await poll(client, "/api/v1/alerts", lambda b: GROWING not in _states(b or []), within=30)
        history = (await client.get("/api/v1/alerts/history", params={"key": GROWING})).json()
        assert [h["state"] for h in history if h["key"] == GROWING][-2:] in (
            ["firing", "resolved"],
            ["resolved", "firing"],
        )


async def test_refused_credentials_raise_a_critical_alert(tmp_path: Path) -> None:
    victoria = VictoriaMetrics(tmp_path / "vm", auth=("anjing", "right"))
    victoria.start()
    try:
        site = _site(tmp_path, victoria.url)
        async with Simulation(site), Runtime(site) as runtime, api_client(runtime) as client:
            alerts = await poll(client, "/api/v1/alerts", lambda b: _states(b or []).get(AUTH) == "firing")
            auth = next(a for a in alerts if a["key"] == AUTH)
            assert auth["severity"] == "critical"
            history = (await client.get("/api/v1/alerts/history", params={"key": AUTH})).json()
            assert "HTTP 401" in history[0]["note"]
    finally:
        victoria.stop()
