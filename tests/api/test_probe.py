"""The register probe for commissioning: a real read from the simulated devices between the polls."""

from __future__ import annotations

import asyncio
from pathlib import Path

from anjing.runtime import Runtime
from api.auth import Role
from config import load_site
from tests.api_client import api_client
from tests.helpers import lamp_fault_site


async def test_probe_reads_between_polls_and_reports_failures(tmp_path: Path) -> None:
    async with Runtime(load_site(lamp_fault_site(tmp_path))) as runtime, api_client(runtime) as admin:
        async with asyncio.timeout(15):
            while not (await admin.get("/api/v1/readings/latest")).json():  # noqa: ASYNC110 — polling the API
                await asyncio.sleep(0.2)
        probe = {"bus": "line", "unit": 1, "function": 3, "address": 0, "count": 9}
        answer = await admin.post("/api/v1/devices/probe", json=probe)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["values"]) == 9
        assert body["hex"] == [f"0x{v:04X}" for v in body["values"]]
        latest = {r["sensor"]: r for r in (await admin.get("/api/v1/readings/latest")).json()}
        co2 = body["values"][8]  # air-7in1: CO2 in ppm at 0x0008
        assert abs(co2 - latest["aq-1.co2"]["value"]) < 200  # the same transmitter, moments apart

        devices = {d["device"]: d for d in (await admin.get("/api/v1/devices")).json()}
        assert devices["aq-1"]["plan"] == ["FC03 0x0000–0x0008 (9 registers)"]

        silent = await admin.post("/api/v1/devices/probe", json={**probe, "unit": 99, "timeout": 0.3})
        assert silent.status_code == 504, silent.text
        refused = await admin.post("/api/v1/devices/probe", json={**probe, "address": 0x9000})
        assert refused.status_code == 502, refused.text
        assert "illegal" in refused.json()["detail"].lower()
        unknown = await admin.post("/api/v1/devices/probe", json={**probe, "bus": "nope"})
        assert unknown.status_code == 404
        async with api_client(runtime, Role.MANAGER) as manager:
            assert (await manager.post("/api/v1/devices/probe", json=probe)).status_code == 403
        records = await runtime.audit.list(action="device.probe")
    assert [r.outcome.split(":")[0] for r in reversed(records)] == ["ok", "failed", "failed"]
    assert records[-1].target == "line unit 1 FC03 0x0000+9"
