"""Anjing watching itself: its own alerts when a part stops, the store keeps failing, a bus stalls,
notifications keep failing or the clock jumps; and the heartbeat to a dead man's switch outside."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts import AlertState
from anjing.runtime import Runtime
from anjing.watchers import CLOCK_MEMORY, FAILURE_STREAK, clock_check, notify_check, stall_check, store_check
from collectors import DeviceStatus
from config import load_site
from tests.alerts.channels.receiver import Receiver
from tests.helpers import lamp_fault_site

PART_STOPPED = "anjing/service/part-stopped@service"


async def test_a_stopped_part_fires_an_alert_and_turns_the_heartbeat_to_fail(
    tmp_path: Path, receiver: Receiver
) -> None:
    site = lamp_fault_site(
        tmp_path,
        extra=f"heartbeat: {{url: '{receiver.url}/ping', fail_url: '{receiver.url}/ping/fail', every: 1s}}\n",
    )
    async with Runtime(load_site(site)) as runtime:
        async with asyncio.timeout(10):
            while not any(r.path == "/ping" for r in receiver.requests):  # noqa: ASYNC110 — a receiver thread
                await asyncio.sleep(0.1)
        first = json.loads(next(r for r in receiver.requests if r.path == "/ping").body)
        assert (first["site"], first["status"], first["problem"]) == ("测试中心", "ok", None)
        assert runtime.alerts.engine.status(PART_STOPPED).state is AlertState.INACTIVE

        tasks = {t.get_name(): t for t in runtime._tasks}
        tasks["anjing.modbus"].cancel()  # the Modbus collector dies
        async with asyncio.timeout(10):
            while not any(r.path == "/ping/fail" for r in receiver.requests):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            while runtime.alerts.engine.status(PART_STOPPED).state is not AlertState.FIRING:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        failed = json.loads(next(r for r in receiver.requests if r.path == "/ping/fail").body)
        assert failed["status"] == "fail"
        assert "modbus" in failed["problem"]
        assert not tasks["anjing.heartbeat"].done()


async def test_a_clean_stop_raises_no_alert_about_itself(tmp_path: Path) -> None:
    site = load_site(lamp_fault_site(tmp_path))
    async with Runtime(site):
        await asyncio.sleep(1)
    async with Runtime(site) as again:
        history = await again.alerts.store.history(key=PART_STOPPED)
    assert history == []


def test_the_store_alert_waits_out_a_grace_period_and_clears() -> None:
    failure: list[object] = []
    check = store_check(lambda: failure[0] if failure else None, grace=0.2)
    assert check.probe() is None
    failure.append(OSError("database is locked"))
    assert check.probe() is None  # within the grace period: a busy lock, a retried write
    time.sleep(0.25)
    note = check.probe()
    assert note is not None
    assert "database is locked" in note
    failure.clear()
    assert check.probe() is None


def test_a_bus_whose_polls_are_long_overdue_is_stalled_not_merely_offline() -> None:
    now = datetime.now(UTC)
    on_time = DeviceStatus("aq-1", "line", 1, next_poll=now + timedelta(seconds=5))
    offline = DeviceStatus("em-1", "gw", 1, online=False, next_poll=now - timedelta(seconds=30))
    stuck = DeviceStatus("door-1", "gw", 2, next_poll=now - timedelta(seconds=200))
    polled = [(on_time, 10.0), (offline, 10.0), (stuck, 10.0)]
    note = stall_check(lambda: polled).probe()
    assert note is not None
    assert "gw/door-1" in note
    assert "em-1" not in note  # 30 s late at 10 s polls: back-off of an offline device, not a stall


def test_a_channel_failing_in_a_row_fires_until_one_notice_gets_through() -> None:
    counts = {"duty-wecom": {"sent": 3, "failed": 0}, "sms": {"sent": 1, "failed": 0}}
    check = notify_check(lambda: counts)
    assert check.probe() is None
    counts["duty-wecom"] = {"sent": 3, "failed": FAILURE_STREAK - 1}
    assert check.probe() is None
    counts["duty-wecom"] = {"sent": 3, "failed": FAILURE_STREAK}
    assert check.probe() == "连续发送失败 / failing in a row: duty-wecom"
    counts["duty-wecom"] = {"sent": 4, "failed": FAILURE_STREAK + 1}  # one got through
    assert check.probe() is None


def test_a_clock_jump_fires_for_an_hour() -> None:
    wall, mono = [1_000_000.0], [50.0]
    check = clock_check(lambda: wall[0], lambda: mono[0])
    assert check.probe() is None
    wall[0] += 10
    mono[0] += 10
    assert check.probe() is None  # time passing is no jump
    wall[0] -= 3600  # NTP steps the clock back an hour after a power cut with a dead RTC battery
    mono[0] += 1
    assert check.probe() == "系统时钟后退 3601 秒 / the clock jumped -3601 s"
    mono[0] += CLOCK_MEMORY + 1
    wall[0] += CLOCK_MEMORY + 1
    assert check.probe() is None
