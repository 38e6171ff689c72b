"""Alerts through the real service: simulated devices → Modbus → store → engine → SQLite → REST API.

A lamp fails at start; its alert must fire, be acknowledged through the API (as the user "test-admin"),
survive a restart of the whole runtime in the same state, and not be recorded twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from anjing.runtime import Runtime
from config import Site, load_site
from tests.api_client import api_client
from tests.helpers import lamp_fault_site

LAMP = "gb-51309-2018/lamp-fault@em-1.lamp_1"


def _site(tmp_path: Path) -> Site:
    return load_site(lamp_fault_site(tmp_path, poll="200ms", tick="100ms"))


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
    async with Runtime(site) as runtime, api_client(runtime) as client:
        alerts = await _until(client, "/api/v1/alerts", lambda b: any(a["key"] == LAMP for a in b))
        lamp = next(a for a in alerts if a["key"] == LAMP)
        assert (lamp["state"], lamp["severity"], lamp["confidence"]) == ("firing", "critical", "medium")
        assert lamp["standard"] == "GB 51309-2018"
        assert lamp["limit"] == "≠ fault"

        ack = await client.post("/api/v1/alerts/acknowledge", json={"key": LAMP, "comment": "更换中"})
        assert ack.status_code == 200, ack.text
        assert (ack.json()["state"], ack.json()["user"]) == ("acknowledged", "test-admin")
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
        assert [s["created_by"] for s in listed] == ["test-admin"]
        ended = await client.delete(f"/api/v1/alerts/silences/{silence.json()['id']}")
        assert ended.status_code == 200
        assert (await client.delete("/api/v1/alerts/silences/nope")).status_code == 404

        filtered = (await client.get("/api/v1/alerts", params={"state": "acknowledged"})).json()
        assert [a["key"] for a in filtered] == [LAMP]
        history = (await client.get("/api/v1/alerts/history", params={"key": LAMP})).json()
        assert [h["state"] for h in history] == ["acknowledged", "firing"]
        assert history[1]["clause"].startswith("GB 17945")

    # the same file: the alert is still acknowledged, recorded once
    async with Runtime(site) as runtime, api_client(runtime) as client:
        await asyncio.sleep(1.5)  # readings flow again, ticks run
        alerts = (await client.get("/api/v1/alerts", params={"rule": "gb-51309-2018/lamp-fault"})).json()
        assert [(a["key"], a["state"], a["acked_by"]) for a in alerts] == [
            (LAMP, "acknowledged", "test-admin")
        ]
        history = (await client.get("/api/v1/alerts/history", params={"key": LAMP})).json()
        assert [h["state"] for h in history] == ["acknowledged", "firing"]
