"""Alerts through the real service: simulated devices → Modbus → store → engine → SQLite → REST API.

A lamp fails at start; its alert must fire, be acknowledged through the API (as the placeholder user
"anonymous"), survive a restart of the whole runtime in the same state, and not be recorded twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from anjing.runtime import Runtime
from api import create_app
from config import Site, load_site
from tests.helpers import free_port, small_site

LAMP = "gb-51309-2018/lamp-fault@em-1.lamp_1"


def _site(tmp_path: Path) -> Site:
    return load_site(
        small_site(
            tmp_path,
            tcp_port=free_port(),
            rtu_port=free_port(),
            poll="200ms",
            extra="""
            simulator:
              enabled: true
              events: [{at: 0s, device: em-1, point: lamp_1, kind: lamp_fault}]
            alerting: {tick: 100ms}
            """,
        )
    )


async def _until(client: httpx.AsyncClient, url: str, ready: Callable[[Any], bool], **params: Any) -> Any:
    async with asyncio.timeout(15):
        while True:
            response = await client.get(url, params=params)
            assert response.status_code == 200, response.text
            if ready(response.json()):
                return response.json()
            await asyncio.sleep(0.1)


async def test_fire_acknowledge_silence_restart(tmp_path: Path) -> None:
    site = _site(tmp_path)
    app = create_app(lambda: Runtime(site))
    async with Runtime(site) as runtime:
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            alerts = await _until(client, "/api/v1/alerts", lambda b: any(a["key"] == LAMP for a in b))
            lamp = next(a for a in alerts if a["key"] == LAMP)
            assert (lamp["state"], lamp["severity"], lamp["confidence"]) == ("firing", "critical", "medium")
            assert lamp["standard"] == "GB 51309-2018"
            assert lamp["limit"] == "≠ fault"

            ack = await client.post("/api/v1/alerts/acknowledge", json={"key": LAMP, "comment": "更换中"})
            assert ack.status_code == 200, ack.text
            assert (ack.json()["state"], ack.json()["user"]) == ("acknowledged", "anonymous")
            again = await client.post("/api/v1/alerts/acknowledge", json={"key": LAMP})
            assert again.status_code == 409
            assert (await client.post("/api/v1/alerts/acknowledge", json={"key": "nope"})).status_code == 409

            silence = await client.post(
                "/api/v1/alerts/silences",
                json={
                    "matchers": {"zone": "hall"},
                    "end": "2099-01-01T00:00:00+08:00",
                    "reason": "维护 / upkeep",
                },
            )
            assert silence.status_code == 200, silence.text
            bad = await client.post(
                "/api/v1/alerts/silences",
                json={"matchers": {"colour": "red"}, "end": "2099-01-01T00:00:00+08:00", "reason": "x"},
            )
            assert bad.status_code == 422
            listed = (await client.get("/api/v1/alerts/silences")).json()
            assert [s["created_by"] for s in listed] == ["anonymous"]
            ended = await client.delete(f"/api/v1/alerts/silences/{silence.json()['id']}")
            assert ended.status_code == 200
            assert (await client.delete("/api/v1/alerts/silences/nope")).status_code == 404

            filtered = (await client.get("/api/v1/alerts", params={"state": "acknowledged"})).json()
            assert [a["key"] for a in filtered] == [LAMP]
            history = (await client.get("/api/v1/alerts/history", params={"key": LAMP})).json()
            assert [h["state"] for h in history] == ["acknowledged", "firing"]
            assert history[1]["clause"].startswith("GB 17945")

    async with Runtime(site) as runtime:  # the same file: the alert is still acknowledged, recorded once
        app.state.context = runtime
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as client:
            await asyncio.sleep(1.5)  # readings flow again, ticks run
            alerts = (await client.get("/api/v1/alerts", params={"rule": "gb-51309-2018/lamp-fault"})).json()
            assert [(a["key"], a["state"], a["acked_by"]) for a in alerts] == [
                (LAMP, "acknowledged", "anonymous")
            ]
            history = (await client.get("/api/v1/alerts/history", params={"key": LAMP})).json()
            assert [h["state"] for h in history] == ["acknowledged", "firing"]
