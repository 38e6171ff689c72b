"""The emergency plan through the real service: simulated devices → Modbus → store → checklist → API.

A fire door propped open in the simulator makes its stairwell's item a problem within a poll; a lighting
controller that stops answering makes the lamp item unknown, never ok; sign-offs are audited, kept,
and corrected only by new entries; inspections raise overdue and failed alerts through the alert
engine, remind through the notification routes and keep their due dates across a restart; a drill's
timeline freezes what the sensors showed.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from anjing.runtime import Runtime
from api.auth import Role
from tests.alerts.channels.receiver import Receiver
from tests.alerts.notify.support import until as received
from tests.safety.support import client, item, safety_site, until

CHECKLIST = "/api/v1/safety/checklist"
PROPPED_AT = 2.0  # seconds after start: the west stairwell's fire door is propped open
POLL, FLUSH = 0.2, 0.1  # the site's poll and the writer's flush interval


async def test_live_items_follow_the_devices(tmp_path: Path) -> None:
    site = safety_site(
        tmp_path,
        f"""[{{at: {PROPPED_AT}s, device: door-1, point: door_2, kind: door_propped}},
             {{at: 2.5s, device: em-1, kind: dead}}]""",
    )
    async with Runtime(site) as runtime, client(runtime) as http:
        started = time.monotonic()
        expected = {
            "stair-e-clear": "ok",
            "stair-w-clear": "ok",
            "lamps": "ok",
            "extinguishers": "ok",
            "hall-doors": "unknown",  # no sensor matches: never ok on missing evidence
            "alarm-panel": "manual",
        }
        body = await until(http, CHECKLIST, lambda b: {i["id"]: i["status"] for i in b} == expected)
        assert time.monotonic() - started < PROPPED_AT
        assert item(body, "hall-doors")["unknown"][0]["reason"] == "未匹配到传感器 / no sensor matched"
        assert item(body, "lamps")["checked"] == 4  # two lamps and their batteries

        body = await until(http, CHECKLIST, lambda b: item(b, "stair-w-clear")["status"] == "problem")
        # within one poll (and the writer's flush) of the door opening, with a little slack for the loop
        assert time.monotonic() - started < PROPPED_AT + POLL + FLUSH + 1.0
        (problem,) = item(body, "stair-w-clear")["problems"]
        assert (problem["subject"], problem["state"], problem["expected"]) == (
            "door-1.door_2",
            "open",
            "closed",
        )
        assert item(body, "stair-e-clear")["status"] == "ok"

        body = await until(http, CHECKLIST, lambda b: item(b, "lamps")["status"] != "ok")
        lamps = item(body, "lamps")
        assert lamps["status"] == "unknown"  # the controller is silent: not ok, and not a problem either
        assert {f["subject"] for f in lamps["unknown"]} == {
            "em-1.lamp_1", "em-1.lamp_1_battery", "em-1.lamp_2", "em-1.lamp_2_battery"
        }  # fmt: skip
        assert {f["reason"] for f in lamps["unknown"]} <= {"设备离线 / device offline", "数据过期 / stale"}


async def test_sign_offs_are_audited_and_corrected_by_new_entries(tmp_path: Path) -> None:
    site = safety_site(tmp_path)
    async with Runtime(site) as runtime, client(runtime) as http:
        await until(http, CHECKLIST, lambda b: item(b, "stair-e-clear")["status"] == "ok")
        first = await http.post(f"{CHECKLIST}/alarm-panel/sign", json={"result": "ok", "note": "面板无故障"})
        assert first.status_code == 200, first.text
        assert (first.json()["actor"], first.json()["result"]) == ("test-manager", "ok")
        live = await http.post(f"{CHECKLIST}/stair-e-clear/sign", json={"result": "ok"})
        assert live.json()["evidence"]["status"] == "ok"  # what the sensors said when it was signed

        wrong = await http.post(
            f"{CHECKLIST}/alarm-panel/sign", json={"result": "ok", "corrects": live.json()["id"]}
        )
        assert wrong.status_code == 409  # a correction names an entry of the same item
        fixed = await http.post(
            f"{CHECKLIST}/alarm-panel/sign",
            json={"result": "problem", "note": "回路 3 故障 / loop 3 fault", "corrects": first.json()["id"]},
        )
        assert fixed.status_code == 200, fixed.text
        body = (await http.get(CHECKLIST)).json()
        assert item(body, "alarm-panel")["signed"]["id"] == fixed.json()["id"]
        assert item(body, "alarm-panel")["signed"]["result"] == "problem"
        assert (await http.post(f"{CHECKLIST}/nope/sign", json={"result": "ok"})).status_code == 404
        assert (await http.post(f"{CHECKLIST}/alarm-panel/sign", json={"result": "void"})).status_code == 409

        history = (await http.get(f"{CHECKLIST}/history")).json()  # the corrected entry stays, as written
        assert [(h["subject"], h["corrects"]) for h in history] == [
            ("alarm-panel", None),
            ("stair-e-clear", None),
            ("alarm-panel", first.json()["id"]),
        ]  # fmt: skip
        audit = await runtime.audit.list(action="safety.")
        assert [(a.action, a.target, a.actor) for a in audit][:2] == [
            ("safety.sign", "alarm-panel", "test-manager"),
            ("safety.sign", "stair-e-clear", "test-manager"),
        ]
        assert audit[0].before["id"] == first.json()["id"]


async def test_signing_needs_the_permission(tmp_path: Path) -> None:
    """Needs the real `require()` of the auth work (api/deps.py): with the placeholder everyone may sign."""
    site = safety_site(tmp_path)
    async with Runtime(site) as runtime:
        async with client(runtime, None) as anonymous:
            assert (
                await anonymous.post(f"{CHECKLIST}/alarm-panel/sign", json={"result": "ok"})
            ).status_code == 401
            assert (await anonymous.get(CHECKLIST)).status_code == 401
        async with client(runtime, Role.DUTY) as duty:  # duty may inspect, not sign or run drills
            assert (
                await duty.post(f"{CHECKLIST}/alarm-panel/sign", json={"result": "ok"})
            ).status_code == 403
            assert (await duty.post("/api/v1/safety/drills", json={"section": "fire"})).status_code == 403
            done = await duty.post("/api/v1/safety/inspections/patrol", json={"result": "pass"})
            assert done.status_code == 200, done.text
        async with client(runtime, Role.VIEWER) as viewer:
            assert (await viewer.get(CHECKLIST)).status_code == 200
            refused = await viewer.post("/api/v1/safety/inspections/patrol", json={"result": "pass"})
            assert refused.status_code == 403
        async with client(runtime) as manager:
            history = (await manager.get(f"{CHECKLIST}/history")).json()
            assert history == []  # nothing refused was recorded


def _due(tasks: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(t for t in tasks if t["task"] == ident)


def _firing(alerts: list[dict[str, Any]]) -> set[str]:
    return {
        a["key"] for a in alerts if a["rule"].startswith("anjing/service/safety") and a["state"] == "firing"
    }


async def test_inspections_alert_when_overdue_or_failed_and_survive_a_restart(tmp_path: Path) -> None:
    site = safety_site(tmp_path)
    overdue, failed = (
        "anjing/service/safety-overdue@extinguishers.hall",
        "anjing/service/safety-failed@em-discharge-test",
    )
    reminder = "anjing/service/safety-due@patrol"
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    async with Runtime(site) as runtime, client(runtime) as http:
        tasks = (await http.get("/api/v1/safety/inspections")).json()
        assert {t["task"]: t["every"] for t in tasks if t["task"].startswith("extinguishers")} == {
            "extinguishers.hall": "month",
            "extinguishers.parking": "half-month",  # floor B1
        }
        states = {t["task"]: t["state"] for t in tasks}
        assert states.pop("patrol") == "due_soon"  # never done, due tomorrow, reminding two days ahead
        assert set(states.values()) == {"ok"}  # never done: due one period after scheduling
        alerts = await until(http, "/api/v1/alerts", lambda b: reminder in _firing(b))
        assert next(a for a in alerts if a["key"] == reminder)["severity"] == "info"

        # the controller's own annual discharge test is taken up as a record, with its duration
        records = await until(http, "/api/v1/safety/inspections/records", bool, task="em-discharge-test")
        assert (records[0]["source"], records[0]["device"], records[0]["result"]) == (
            "self-test",
            "em-1",
            "pass",
        )
        assert records[0]["values"]["discharge_duration"] >= 30

        late = await http.post(
            "/api/v1/safety/inspections/extinguishers.hall", json={"result": "pass", "performed": long_ago}
        )
        assert late.status_code == 200, late.text
        assert (
            _due((await http.get("/api/v1/safety/inspections")).json(), "extinguishers.hall")["state"]
            == "overdue"
        )
        await until(http, "/api/v1/alerts", lambda b: overdue in _firing(b))

        short = await http.post(
            "/api/v1/safety/inspections/em-discharge-test",
            json={
                "result": "pass",
                "values": {"discharge_duration": 25},
                "note": "人工放电测试 / manual test",
            },
        )
        assert short.json()["result"] == "fail"  # 25 min < GB 51309 §3.2.4's 0.5 h, whatever was entered
        alerts = await until(http, "/api/v1/alerts", lambda b: failed in _firing(b))
        assert next(a for a in alerts if a["key"] == failed)["severity"] == "critical"
        missing = await http.post("/api/v1/safety/inspections/em-discharge-test", json={"result": "pass"})
        assert missing.status_code == 409  # its measure must be recorded
        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        assert (
            await http.post("/api/v1/safety/inspections/patrol", json={"result": "pass", "performed": future})
        ).status_code == 409

        done = await http.post("/api/v1/safety/inspections/extinguishers.hall", json={"result": "pass"})
        assert done.status_code == 200
        await until(http, "/api/v1/alerts", lambda b: overdue not in _firing(b))
        before = (await http.get("/api/v1/safety/inspections")).json()

    async with Runtime(site) as runtime, client(runtime) as http:  # the same file: the same due dates
        after = (await http.get("/api/v1/safety/inspections")).json()
        assert [(t["task"], t["due"], t["last_record"]) for t in after] == [
            (t["task"], t["due"], t["last_record"]) for t in before
        ]
        await until(http, "/api/v1/alerts", lambda b: failed in _firing(b))  # still failed: no new test yet
        records = (
            await http.get("/api/v1/safety/inspections/records", params={"task": "em-discharge-test"})
        ).json()
        assert [r["source"] for r in records] == ["self-test", "manual"]  # the self-test is not taken twice


async def test_a_drill_is_a_timeline_with_frozen_evidence(tmp_path: Path) -> None:
    site = safety_site(
        tmp_path, f"[{{at: {PROPPED_AT}s, device: door-1, point: door_2, kind: door_propped}}]"
    )
    async with Runtime(site) as runtime, client(runtime) as http:
        await until(http, CHECKLIST, lambda b: item(b, "stair-w-clear")["status"] == "ok")
        started = await http.post(
            "/api/v1/safety/drills", json={"section": "fire", "note": "季度演练 / quarterly"}
        )
        assert started.status_code == 200, started.text
        drill = started.json()["id"]
        assert (await http.post("/api/v1/safety/drills", json={"section": "fire"})).status_code == 409
        assert (
            await http.post(f"/api/v1/safety/drills/{drill}/steps", json={"step": "alarm"})
        ).status_code == 200

        await until(http, CHECKLIST, lambda b: item(b, "stair-w-clear")["status"] == "problem")
        step = await http.post(
            f"/api/v1/safety/drills/{drill}/steps", json={"step": "stair-w-clear", "result": "problem"}
        )
        assert step.status_code == 200, step.text
        assert (
            await http.post(f"/api/v1/safety/drills/{drill}/steps", json={"step": "nope"})
        ).status_code == 404
        await asyncio.sleep(0.2)
        ended = await http.post(
            f"/api/v1/safety/drills/{drill}/end", json={"note": "西梯防火门被撑开 / west door propped"}
        )
        assert ended.status_code == 200, ended.text
        record = ended.json()
        assert (record["section"], record["kind"], record["started_by"], record["ended_by"]) == (
            "fire", "drill", "test-manager", "test-manager"
        )  # fmt: skip
        frozen = [{e["item"]: e["status"] for e in t["evidence"]} for t in record["timeline"]]
        assert [t["step"] for t in record["timeline"]] == ["alarm", "stair-w-clear"]
        assert (frozen[0]["stair-w-clear"], frozen[1]["stair-w-clear"]) == ("ok", "problem")
        assert record["summary"] == {
            "steps": 3,
            "steps_signed": 1,
            "steps_missed": ["evacuate", "head-count"],
            "items_problem": ["stair-w-clear"],
            "items_unknown": ["hall-doors"],
        }
        assert record["duration_seconds"] > 0
        assert (
            await http.post(f"/api/v1/safety/drills/{drill}/steps", json={"step": "alarm"})
        ).status_code == 404

        assert (await http.get(f"/api/v1/safety/drills/{drill}")).json() == record
        assert [d["id"] for d in (await http.get("/api/v1/safety/drills")).json()] == [drill]
        actions = [a.action for a in await runtime.audit.list(action="safety.drill")]
        assert actions == ["safety.drill.end", "safety.drill.step", "safety.drill.step", "safety.drill.start"]


async def test_a_reminder_reaches_the_notification_route(tmp_path: Path, receiver: Receiver) -> None:
    """The patrol is due tomorrow and reminds two days ahead: its reminder is routed like any alert."""
    notify = f"""
notify:
  channels:
    - {{id: hook, type: webhook, url: '{receiver.url}/hook', secret: s3cret, timeout: 2s}}
  receivers: [{{id: manager, name: 后勤主管, channels: [{{channel: hook}}]}}]
  routes: [{{match: {{rule: anjing/service/safety-due}}, receivers: [manager], group_wait: 0s}}]
  tick: 100ms
"""
    site = safety_site(tmp_path, extra=notify)
    async with Runtime(site):
        await received(lambda: bool(receiver.requests), 15)
        notice = json.loads(receiver.requests[0].body)
        assert notice["alert_keys"] == ["anjing/service/safety-due@patrol"]
        assert "每日巡查" in json.dumps(notice, ensure_ascii=False)
