"""Notifications through the real service: a lamp fails → engine → notifier → webhook → delivery log in the API."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from anjing.runtime import Runtime
from config import Site, load_site
from tests.alerts.channels.receiver import Receiver
from tests.alerts.notify.support import hook, logged, until
from tests.api_client import api_client
from tests.helpers import free_port, small_site

LAMP = "gb-51309-2018/lamp-fault@em-1.lamp_1"


def lamp_site(tmp_path: Path, receiver: Receiver, receivers_and_routes: str, events: str = "") -> Site:
    """Simulated devices whose lamp 1 fails at start (then `events`), and a webhook channel to `receiver`."""
    extra = f"""
simulator:
  enabled: true
  events: [{{at: 0s, device: em-1, point: lamp_1, kind: lamp_fault}}{events}]
alerting: {{tick: 100ms}}
notify:
  channels:
{hook("hook", receiver.url)}{receivers_and_routes}  tick: 100ms
"""
    return load_site(
        small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), poll="200ms", extra=extra)
    )


async def test_a_firing_alert_reaches_the_webhook_and_the_log(tmp_path: Path, receiver: Receiver) -> None:
    site = lamp_site(
        tmp_path,
        receiver,
        """
  receivers: [{id: duty, name: 值班员, channels: [{channel: hook}]}]
  routes: [{receivers: [duty], group_wait: 0s}]
""",
    )
    async with Runtime(site) as runtime:
        await until(lambda: any(LAMP in json.loads(r.body)["alert_keys"] for r in receiver.requests), 15)
        assert runtime.notifier is not None
        await logged(runtime.notifier.queue, alert=LAMP)  # the worker records after the receiver has it
        async with api_client(runtime) as client:
            log = (await client.get("/api/v1/notifications", params={"alert": LAMP})).json()
            assert [(e["receiver"], e["channel"], e["outcome"], e["reason"]) for e in log] == [
                ("duty", "hook", "sent", "notify")
            ]
            later = await client.get("/api/v1/notifications", params={"since": "2099-01-01T00:00:00"})
            assert later.json() == []
            counts = (await client.get("/api/v1/notifications/channels")).json()
            assert (counts[0]["channel"], counts[0]["sent"] >= 1) == ("hook", True)
            metrics = (await client.get("/metrics")).text
            assert 'anjing_notify_sent_total{channel="hook"}' in metrics


async def test_a_restart_continues_repeats_and_escalation_without_telling_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    """The alert fires, is told, repeated and escalated; after a restart its repeats go on, and
    neither the first notice nor the escalation step already taken is sent again."""
    site = lamp_site(
        tmp_path,
        receiver,
        """
  receivers: [{id: duty, name: 值班员, channels: [{channel: hook}]}, {id: manager, name: 主管, channels: [{channel: hook}]}]
  routes: [{receivers: [duty], group_wait: 0s, repeat: 1s, escalate: [{after: 2s, receivers: [manager]}]}]
""",
    )

    async def reasons(runtime: Runtime, since: float = 0.0) -> list[str]:
        assert runtime.notifier is not None
        log = await runtime.notifier.queue.log(alert=LAMP, since=since)
        return [e["reason"] for e in log if e["outcome"] == "sent"]

    async with Runtime(site) as first:
        for _ in range(150):
            if "escalate-1" in await reasons(first):
                break
            await asyncio.sleep(0.1)
        before = await reasons(first)
    assert before.count("notify") == 1
    assert before.count("escalate-1") == 1
    restarted = time.time()
    async with Runtime(site) as second:
        for _ in range(50):
            if (await reasons(second, restarted)).count("repeat") >= 2:
                break
            await asyncio.sleep(0.1)
        after = await reasons(second, restarted)
    assert after.count("repeat") >= 2, after
    assert set(after) == {"repeat"}, after


async def test_an_alert_firing_when_its_device_went_away_is_not_told_again_after_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    """The lamp fault is told; the gateway stops answering (the alert is unknown); Anjing restarts; the
    gateway answers again with the lamp still failed: the same alert, not a new notice."""
    routes = """
  receivers: [{id: duty, name: 值班员, channels: [{channel: hook}]}]
  routes: [{receivers: [duty], group_wait: 0s, group_by: [rule]}]
"""  # the gateway's offline alert goes to a group of its own

    async def state(runtime: Runtime) -> str | None:
        async with api_client(runtime) as client:
            alerts = (await client.get("/api/v1/alerts")).json()
        return next((a["state"] for a in alerts if a["key"] == LAMP), None)

    gone = ", {at: 2s, device: em-1, kind: dead}"
    async with Runtime(lamp_site(tmp_path, receiver, routes, events=gone)) as first:
        for _ in range(150):
            if await state(first) == "unknown":
                break
            await asyncio.sleep(0.1)
        assert await state(first) == "unknown"
        assert first.notifier is not None
        told = await first.notifier.queue.log(alert=LAMP)
    assert [e["reason"] for e in told] == ["notify"]
    async with Runtime(lamp_site(tmp_path, receiver, routes)) as second:
        for _ in range(100):
            if await state(second) == "firing":
                break
            await asyncio.sleep(0.1)
        assert await state(second) == "firing"
        await asyncio.sleep(0.5)  # the notifier's tick: time to (wrongly) tell it again
        assert second.notifier is not None
        assert len(await second.notifier.queue.log(alert=LAMP)) == 1
