"""The whole pipeline against real HTTP receivers behind webhook channels, on the real clock (short durations)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts import AlertState
from config import Site
from tests.alerts.channels.receiver import Answer, Receiver
from tests.alerts.notify.support import hook, logged, notifier, notify_site, transition, until


def site(tmp_path: Path, duty: Receiver, backup: Receiver, *, route: str = "", quiet: str = "") -> Site:
    quiet_hours = f", quiet_hours: '{quiet}'" if quiet else ""
    return notify_site(
        tmp_path,
        "  channels:\n"
        + hook("hook", duty.url)
        + hook("backup", backup.url)
        + f"""
  receivers:
    - {{id: duty, name: 值班员, channels: [{{channel: hook, mobiles: ["13800000000"]}}]{quiet_hours}}}
    - {{id: manager, name: Manager, language: en, channels: [{{channel: backup}}]}}
  fallback: {{after: 2, receiver: manager}}
  retry: {{initial: 50ms, max: 200ms}}
  tick: 50ms
  dashboard_url: https://anjing.example/
  routes:
    - {{receivers: [duty], group_wait: 100ms, repeat: 1h{route}}}
""",
    )


def payloads(receiver: Receiver) -> list[dict[str, object]]:
    return [json.loads(request.body) for request in receiver.requests]


async def test_alerts_of_one_zone_arrive_in_one_notice(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    service = notifier(site(tmp_path, receiver, backup))
    await service.start(tmp_path / "site.db")
    now = time.time()
    service.listen(transition("a@hall", now))
    service.listen(transition("b@hall", now))
    service.listen(transition("p@hall", now, AlertState.PENDING))  # not firing yet: not told
    await until(lambda: len(receiver.requests) == 1)
    await asyncio.sleep(0.3)
    [payload] = payloads(receiver)
    assert payload["alert_keys"] == ["a@hall", "b@hall"]
    assert payload["addresses"] == ["13800000000"]
    assert str(payload["subject"]).startswith(
        "【告警】 服务大厅 甲醛 1小时平均 0.12 mg/m³，限值 ≤ 0.08 mg/m³"
    )
    assert "https://anjing.example/alerts/a@hall" in str(payload["body"])
    [entry] = await logged(service.queue, alert="b@hall")
    assert (entry["receiver"], entry["channel"], entry["outcome"]) == ("duty", "hook", "sent")
    assert service.counts()["hook"] == {"sent": 1, "failed": 0, "throttled": 0}
    await service.stop()


async def test_retries_then_falls_back_and_logs_each_attempt(
    tmp_path: Path, receiver: Receiver, backup: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.respond = lambda request: Answer(status=503, body=b"busy")
    service = notifier(site(tmp_path, receiver, backup))
    await service.start(tmp_path / "site.db")
    service.listen(transition("a@hall", time.time(), severity="critical"))
    await until(lambda: len(backup.requests) == 1 and len(receiver.requests) >= 3)
    [fallback] = payloads(backup)
    assert (fallback["receiver"], fallback["alert_keys"]) == ("manager", ["a@hall"])
    await logged(service.queue, receiver="manager")  # the fallback's delivery is recorded …
    log = await service.queue.log(alert="a@hall")  # … and with it every attempt before it
    assert {(e["channel"], e["outcome"]) for e in log} == {("hook", "failed"), ("backup", "sent")}
    assert [e["attempt"] for e in log if e["channel"] == "hook"][-2:] == [2, 1]
    assert service.counts()["hook"]["failed"] >= 2
    warnings = [r for r in caplog.records if r.name == "anjing.notify" and r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one per failure streak, not one per attempt
    await service.stop()


async def test_a_restart_in_the_middle_of_retries_delivers_exactly_once(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    receiver.respond = lambda request: Answer(status=503)
    first = notifier(site(tmp_path, receiver, backup))
    await first.start(tmp_path / "site.db")
    first.listen(transition("a@hall", time.time()))
    await until(lambda: len(receiver.requests) >= 1)
    await first.stop()
    failed = len(receiver.requests)
    receiver.respond = lambda request: Answer(status=200)
    second = notifier(site(tmp_path, receiver, backup))
    await second.start(tmp_path / "site.db")
    await until(lambda: len(receiver.requests) == failed + 1)
    await asyncio.sleep(0.4)
    assert len(receiver.requests) == failed + 1
    assert await second.queue.depth() == 0
    await second.stop()


async def test_escalation_reaches_the_next_tier_in_its_language(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    escalate = ", escalate: [{after: 300ms, receivers: [manager]}]"
    service = notifier(site(tmp_path, receiver, backup, route=escalate))
    await service.start(tmp_path / "site.db")
    service.listen(transition("a@hall", time.time()))
    await until(lambda: len(backup.requests) == 1)
    [escalated] = payloads(backup)
    assert str(escalated["subject"]).startswith("【Escalated】 Service hall Formaldehyde 1-hour mean 0.12")
    assert len(receiver.requests) == 1
    reasons = [e["reason"] for e in await logged(service.queue, receiver="manager")]
    assert reasons == ["escalate-1"]
    await service.stop()


async def test_quiet_hours_hold_warnings_but_not_critical_alerts(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    span = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    service = notifier(site(tmp_path, receiver, backup, quiet=span))
    await service.start(tmp_path / "site.db")
    service.listen(transition("w@hall", time.time()))
    service.listen(transition("c@meeting", time.time(), zone="meeting", severity="critical"))
    await until(lambda: len(receiver.requests) == 1)
    await asyncio.sleep(0.3)
    assert [p["alert_keys"] for p in payloads(receiver)] == [["c@meeting"]]
    assert await service.queue.depth() == 1  # the warning waits for the end of the quiet hours
    await service.stop()


async def test_a_stop_lets_the_notice_in_flight_finish_so_a_restart_does_not_send_it_again(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    """SIGTERM while the provider is still answering: the send completes and is logged, not repeated."""

    def slow(request: object) -> Answer:
        time.sleep(0.8)
        return Answer(status=200)

    receiver.respond = slow
    first = notifier(site(tmp_path, receiver, backup))
    await first.start(tmp_path / "site.db")
    first.listen(transition("a@hall", time.time()))
    await until(lambda: len(receiver.requests) == 1)
    await first.stop()  # the answer is still 0.8 s away
    second = notifier(site(tmp_path, receiver, backup))
    await second.start(tmp_path / "site.db")
    await asyncio.sleep(0.5)
    assert len(receiver.requests) == 1
    assert await second.queue.depth() == 0
    [entry] = await second.queue.log(alert="a@hall")
    assert (entry["outcome"], entry["reason"]) == ("sent", "notify")
    [payload] = payloads(receiver)
    assert payload["reason"] == "notify"
    assert isinstance(payload["id"], str)
    assert len(payload["id"]) == 24
    await second.stop()


async def test_a_retried_notice_keeps_its_id_so_a_receiver_can_drop_a_second_copy(
    tmp_path: Path, receiver: Receiver, backup: Receiver
) -> None:
    answers = iter([503, 200])
    receiver.respond = lambda request: Answer(status=next(answers))
    service = notifier(site(tmp_path, receiver, backup))
    await service.start(tmp_path / "site.db")
    service.listen(transition("a@hall", time.time()))
    await until(lambda: len(receiver.requests) == 2)
    first, second = payloads(receiver)
    assert first["id"] == second["id"]
    assert (first["reason"], second["reason"]) == ("notify", "notify")
    await service.stop()
