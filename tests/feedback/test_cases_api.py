"""Visitor feedback through the real service and API: a public submission becomes a case with the hall's
readings as evidence, raised as an alert until answered; the number is masked, then purged on close;
the public form is rate-limited per screen; the roles that may handle and close a case."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alerts import AlertState
from anjing.runtime import Runtime
from api.auth import Role
from feedback.checks import OPEN, OVERDUE
from tests.alerts.notify.support import until
from tests.api_client import api_client
from tests.feedback.support import PUBLIC, feedback_site, hall_readings

PHONE = "13812345678"


def database(runtime: Runtime) -> Path:
    return runtime.site.resolve(runtime.site.config.storage.sqlite.path)


async def test_a_submission_becomes_a_case_with_evidence_masked_and_purged(tmp_path: Path) -> None:
    async with Runtime(feedback_site(tmp_path)) as runtime:
        await hall_readings(runtime, temperature=30.5)
        async with api_client(runtime, None) as public, api_client(runtime, Role.MANAGER) as manager:
            answer = await public.post(
                PUBLIC, json={"kind": "hot", "zone": "hall", "text": "窗边很热", "phone": f"+86 {PHONE}"}
            )
            assert answer.status_code == 201, answer.text
            receipt = answer.json()
            assert set(receipt) == {"id", "message"}  # the public learns nothing but its number
            case = (await manager.get(f"{PUBLIC}/{receipt['id']}")).json()
            assert case["phone"] == "138****5678"
            assert case["confirmed"] is True
            (temperature,) = case["evidence"]
            assert (temperature["quantity"], temperature["value"], temperature["breach"]) == (
                "temperature",
                30.5,
                True,
            )
            assert "太热" in case["summary"]
            assert "30.5 °C" in case["summary"]
            assert "高于" in case["summary"]
            assert "传感器证实 / sensors confirm" in case["summary"]

            audit = (await manager.get("/api/v1/audit", params={"action": "feedback.submit"})).json()
            assert PHONE not in str(audit)
            assert "138****5678" in str(audit)

            answered = await manager.post(
                f"{PUBLIC}/{receipt['id']}/answer", json={"answer": "已调低空调温度"}
            )
            assert answered.json()["state"] == "answered"
            with sqlite3.connect(database(runtime)) as db:
                assert db.execute("SELECT phone FROM feedback_cases").fetchall() == [(PHONE,)]
            closed = await manager.post(f"{PUBLIC}/{receipt['id']}/close", json={"note": ""})
            assert (closed.json()["state"], closed.json()["phone"]) == ("closed", None)
        path = database(runtime)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT phone FROM feedback_cases").fetchall() == [(None,)]
        assert db.execute("SELECT answer FROM feedback_cases").fetchall() == [("已调低空调温度",)]
    for file in path.parent.glob(f"{path.name}*"):  # the file, its WAL and shared memory: no trace left
        assert PHONE.encode() not in file.read_bytes(), file


async def test_a_cool_hall_does_not_confirm_and_a_blocked_passage_has_no_sensor(tmp_path: Path) -> None:
    async with Runtime(feedback_site(tmp_path)) as runtime:
        await hall_readings(runtime, temperature=21.0)
        async with api_client(runtime, None) as public, api_client(runtime, Role.VIEWER) as viewer:
            hot = (await public.post(PUBLIC, json={"kind": "hot", "zone": "hall", "screen": "a"})).json()
            blocked = (
                await public.post(PUBLIC, json={"kind": "blocked", "zone": "hall", "screen": "b"})
            ).json()
            cases = {c["id"]: c for c in (await viewer.get(PUBLIC)).json()}
        assert cases[hot["id"]]["confirmed"] is False
        assert "传感器未证实 / sensors do not confirm" in cases[hot["id"]]["summary"]
        assert cases[blocked["id"]]["evidence"] == []
        assert "需现场查看" in cases[blocked["id"]]["summary"]


async def test_bad_input_gets_a_clear_refusal(tmp_path: Path) -> None:
    async with Runtime(feedback_site(tmp_path)) as runtime, api_client(runtime, None) as public:
        phone = await public.post(PUBLIC, json={"kind": "hot", "zone": "hall", "phone": "12345"})
        assert phone.status_code == 422
        assert "11位手机号" in phone.json()["detail"]
        private = await public.post(PUBLIC, json={"kind": "hot", "zone": "stair-e", "screen": "x"})
        assert private.status_code == 422
        assert "stair-e" in private.json()["detail"]
        kind = await public.post(PUBLIC, json={"kind": "noisy", "zone": "hall", "screen": "y"})
        assert kind.status_code == 422


async def test_the_public_form_is_rate_limited_per_screen_and_site_wide(tmp_path: Path) -> None:
    site = feedback_site(tmp_path, "{per_screen: 3, per_hour: 5}")
    async with Runtime(site) as runtime, api_client(runtime, None) as public:
        for _ in range(3):
            assert (
                await public.post(PUBLIC, json={"kind": "cold", "zone": "hall", "screen": "lobby"})
            ).status_code == 201
        limited = await public.post(PUBLIC, json={"kind": "cold", "zone": "hall", "screen": "lobby"})
        assert limited.status_code == 429
        assert "请稍等一分钟再试" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) > 0
        # another screen (another browser token) still gets through, until the site-wide cap
        for _ in range(2):
            assert (
                await public.post(PUBLIC, json={"kind": "cold", "zone": "hall", "screen": "phone"})
            ).status_code == 201
        capped = await public.post(PUBLIC, json={"kind": "cold", "zone": "hall", "screen": "other"})
        assert capped.status_code == 429
        assert len(await runtime.feedback.cases()) == 5  # type: ignore[union-attr]


async def test_open_and_overdue_cases_raise_alerts_until_answered(tmp_path: Path) -> None:
    site = feedback_site(tmp_path, "{answer_within: 1s, escalate_after: 1.5s}")
    async with Runtime(site) as runtime, api_client(runtime, Role.DUTY) as duty:
        engine = runtime.alerts.engine
        opened, overdue = (f"anjing/service/{check}@hall.dark" for check in (OPEN, OVERDUE))
        case = (await duty.post(PUBLIC, json={"kind": "dark", "zone": "hall"})).json()
        await until(lambda: engine.status(opened).state is AlertState.FIRING)
        assert engine.status(overdue).state is AlertState.INACTIVE
        assert engine.bindings[overdue].severity.value == "critical"
        await until(lambda: engine.status(overdue).state is AlertState.FIRING, 5)
        listed = (await duty.get(PUBLIC)).json()
        assert listed[0]["late"] is True

        await duty.post(f"{PUBLIC}/{case['id']}/acknowledge")
        answered = await duty.post(f"{PUBLIC}/{case['id']}/answer", json={"answer": "已开灯"})
        assert answered.json()["answered_by"] == "test-duty"
        await until(lambda: engine.status(opened).state is AlertState.RESOLVED)
        await until(lambda: engine.status(overdue).state is AlertState.RESOLVED)


async def test_duty_handles_a_case_and_only_a_manager_closes_it(tmp_path: Path) -> None:
    async with Runtime(feedback_site(tmp_path)) as runtime:
        async with api_client(runtime, None) as public:
            ident = (await public.post(PUBLIC, json={"kind": "restroom", "zone": "hall"})).json()["id"]
            assert (await public.get(PUBLIC)).status_code == 401
        async with api_client(runtime, Role.VIEWER) as viewer:
            assert (await viewer.get(f"{PUBLIC}/{ident}")).status_code == 200
            assert (await viewer.post(f"{PUBLIC}/{ident}/acknowledge")).status_code == 403
        async with api_client(runtime, Role.DUTY) as duty:
            assert (await duty.post(f"{PUBLIC}/{ident}/acknowledge")).json()["acked_by"] == "test-duty"
            assert (await duty.post(f"{PUBLIC}/{ident}/acknowledge")).status_code == 409  # already
            assert (await duty.post(f"{PUBLIC}/{ident}/close", json={})).status_code == 403
        async with api_client(runtime, Role.MANAGER) as manager:
            closed = await manager.post(f"{PUBLIC}/{ident}/close", json={"note": "已清洁"})
            assert closed.json()["closed_by"] == "test-manager"
            assert (await manager.post(f"{PUBLIC}/{ident}/answer", json={"answer": "x"})).status_code == 409
            assert (await manager.get(f"{PUBLIC}/999")).status_code == 404
            actions = [r["action"] for r in (await manager.get("/api/v1/audit")).json()]
        assert {"feedback.submit", "feedback.acknowledge", "feedback.close"} <= set(actions)
