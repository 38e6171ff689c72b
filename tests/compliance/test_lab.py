"""Laboratory and manual results over the real API and SQLite file: entry, import, the catalog check,
append-only corrections, permissions, audit, and the read function the monthly report calls."""

from __future__ import annotations

import asyncio
import getpass
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from anjing.cli import app
from anjing.runtime import Runtime
from api.auth import Role
from compliance.lab import lab_path, results
from config import load_site
from tests.api_client import api_client
from tests.helpers import free_port, small_site

EXAMPLE = Path(__file__).parents[2] / "config" / "examples" / "lab-results.csv"
SAMPLED = "2026-10-12T09:30:00+08:00"
HEADER = "parameter,zone,value,unit,sampled_at,method,laboratory,report_no\n"
METHOD = "GB/T 18883-2022 附录,县疾控中心,JC-1"
HCHO_MOLAR_MASS, MOLAR_VOLUME = 30.03, 22.414  # g/mol; L/mol at 0 °C (sensors/units.py's default)


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    """The small site; its stairwell checks lighting only, so no air-quality limit applies there."""
    extra = "alerting: {zone_standards: {stair-e: [gb-50034-2013, gb-51309-2018]}}\n"
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port(), extra=extra)
    async with Runtime(load_site(config)) as started:
        yield started


def entry(parameter: str, value: float, unit: str, *, zone: str = "hall", **more: Any) -> dict[str, Any]:
    return {
        "parameter": parameter,
        "zone": zone,
        "value": value,
        "unit": unit,
        "sampled_at": SAMPLED,
        "method": "GB/T 18883-2022 附录",
        "laboratory": "县疾控中心",
        "report_no": "JC-1",
        **more,
    }


async def post_csv(client: httpx.AsyncClient, text: str, name: str = "results.csv") -> httpx.Response:
    return await client.post(
        "/api/v1/lab/results/import",
        params={"name": name},
        content=text.encode(),
        headers={"content-type": "text/csv"},
    )


async def test_results_are_converted_and_judged_against_the_zones_limit(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        tce = (await client.post("/api/v1/lab/results", json=entry("trichloroethylene", 8, "µg/m3"))).json()
        hcho = (await client.post("/api/v1/lab/results", json=entry("hcho", 100, "ppb"))).json()
        bacteria = (await client.post("/api/v1/lab/results", json=entry("bacteria", 900, "cfu/m3"))).json()
        uniformity = await client.post(
            "/api/v1/lab/results", json=entry("gb-50034-2013/uniformity-service-hall", 0.62, "1")
        )
        elsewhere = await client.post(
            "/api/v1/lab/results", json=entry("bacteria", 2000, "CFU/m³", zone="stair-e")
        )
    assert (tce["parameter"], tce["value"], tce["unit"]) == (
        "gb-t-18883-2022/trichloroethylene",
        0.008,
        "mg/m³",
    )
    assert (tce["limit"], tce["compliant"], tce["standard"]) == ("≤ 0.006 mg/m³", False, "GB/T 18883-2022")
    assert (tce["entered_value"], tce["entered_unit"]) == (8, "µg/m3")
    assert hcho["parameter"] == "gb-t-18883-2022/hcho-1h"
    assert hcho["value"] == pytest.approx(0.1 * HCHO_MOLAR_MASS / MOLAR_VOLUME)
    assert (hcho["limit"], hcho["compliant"], hcho["clause"]) == ("≤ 0.08 mg/m³", False, "表1 第11项")
    assert (bacteria["value"], bacteria["unit"], bacteria["compliant"]) == (900, "CFU/m³", True)
    assert uniformity.status_code == 201, uniformity.text
    assert (uniformity.json()["limit"], uniformity.json()["compliant"]) == ("≥ 0.4", True)
    assert elsewhere.status_code == 201
    assert (elsewhere.json()["limit"], elsewhere.json()["compliant"]) == ("", None)  # no limit in the zone
    assert bacteria["entered_by"] == "test-manager"


async def test_a_quantity_takes_the_rule_of_the_season_and_must_not_be_ambiguous(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        summer = await client.post(
            "/api/v1/lab/results", json=entry("temperature", 29, "℃", sampled_at="2026-07-15T10:00:00")
        )
        winter = await client.post(
            "/api/v1/lab/results", json=entry("temperature", 23, "°C", sampled_at="2026-01-15T10:00:00")
        )
        stair = await client.post("/api/v1/lab/results", json=entry("illuminance", 60, "lux", zone="stair-e"))
    assert (summer.json()["parameter"], summer.json()["limit"]) == (
        "gb-t-18883-2022/temperature-summer",
        "22–28 °C",
    )
    assert summer.json()["compliant"] is False
    assert (winter.json()["limit"], winter.json()["compliant"]) == ("16–24 °C", True)
    assert stair.status_code == 422  # the stairwell's mean (GB 50034) or its emergency minimum (GB 51309)?
    detail = stair.json()["detail"]
    assert "gb-50034-2013/illuminance-stairwell" in detail
    assert "gb-51309-2018/evacuation-stair-min" in detail


async def test_unknown_parameter_zone_and_unit_are_refused_with_the_fix(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        benzol = await client.post("/api/v1/lab/results", json=entry("benzol", 1, "mg/m³"))
        zone = await client.post("/api/v1/lab/results", json=entry("bacteria", 1, "CFU/m³", zone="roof"))
        unit = await client.post("/api/v1/lab/results", json=entry("bacteria", 1, "mg/m³"))
        listed = await client.get("/api/v1/lab/results", params={"start": "2026-01-01T00:00:00"})
    assert benzol.status_code == 422
    assert (
        "parameter: 未知参数 / unknown parameter 'benzol' — valid: a lab parameter (bacteria"
        in benzol.json()["detail"]
    )
    assert zone.status_code == 422
    assert "zone: 未知区域 / unknown zone 'roof' — valid: hall, stair-e" in zone.json()["detail"]
    assert unit.status_code == 422
    assert "use CFU/m³" in unit.json()["detail"]
    assert listed.json() == []


async def test_the_example_file_imports_whole(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        answer = await post_csv(client, EXAMPLE.read_text(encoding="utf-8"), "lab-results.csv")
        listed = (await client.get("/api/v1/lab/results", params={"start": "2026-10-01T00:00:00"})).json()
    assert answer.status_code == 201, answer.text
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()[1:]
    assert [r["source"] for r in listed] == [f"lab-results.csv:{n}" for n in range(2, len(lines) + 2)]
    assert [r["compliant"] for r in listed] == [True] * len(lines)
    tce = next(r for r in listed if r["parameter"] == "gb-t-18883-2022/trichloroethylene")
    assert tce["value"] == pytest.approx(0.002)  # 2 µg/m³


async def test_a_file_with_bad_lines_imports_nothing_and_names_every_line(runtime: Runtime) -> None:
    rows = [
        f"bacteria,hall,800,CFU/m³,{SAMPLED},{METHOD}",
        f"benzol,hall,1,mg/m³,{SAMPLED},{METHOD}",  # line 3: unknown parameter
        f"hcho,hall,0.05,mg/m³,{SAMPLED},{METHOD}",
        f"radon,hall,120,Bq/m³,{SAMPLED},{METHOD}",
        f"bacteria,stair-e,500,CFU/m³,{SAMPLED},{METHOD}",
        f"hcho,hall,zero,mg/m³,{SAMPLED},{METHOD}",  # line 7: not a number
    ]
    async with api_client(runtime, Role.MANAGER) as client:
        answer = await post_csv(client, HEADER + "\n".join(rows) + "\n")
        listed = await client.get("/api/v1/lab/results", params={"start": "2026-01-01T00:00:00"})
    assert answer.status_code == 422
    problem = answer.json()
    assert [e["loc"] for e in problem["errors"]] == [["body", 3, "parameter"], ["body", 7, "value"]]
    assert problem["errors"][0]["msg"].startswith(
        "results.csv:3: parameter: 未知参数 / unknown parameter 'benzol'"
    )
    assert problem["errors"][1]["msg"] == "results.csv:7: value: 不是数值 / not a number: 'zero' — e.g. 0.05"
    assert listed.json() == []
    refused = await runtime.audit.list(action="lab.import")
    assert [(r.outcome, r.target) for r in refused] == [("refused", "results.csv")]


async def test_results_are_append_only_and_corrected_by_new_entries(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        first = (await client.post("/api/v1/lab/results", json=entry("bacteria", 1900, "CFU/m³"))).json()
        fixed = await client.post(
            "/api/v1/lab/results", json=entry("bacteria", 190, "CFU/m³", corrects=first["id"], note="typo")
        )
        nothing = await client.post("/api/v1/lab/results", json=entry("bacteria", 1, "CFU/m³", corrects=999))
        now = (await client.get("/api/v1/lab/results", params={"start": "2026-01-01T00:00:00"})).json()
        everything = await client.get(
            "/api/v1/lab/results", params={"start": "2026-01-01T00:00:00", "corrected": "true"}
        )
    assert fixed.status_code == 201
    assert nothing.status_code == 409
    assert [(r["value"], r["corrects"], r["compliant"]) for r in now] == [(190, first["id"], True)]
    assert [r["value"] for r in everything.json()] == [1900, 190]
    with sqlite3.connect(lab_path(runtime.site)) as conn:
        for statement in ("UPDATE lab_results SET value = 1", "DELETE FROM lab_results"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)


async def test_managers_enter_duty_reads_the_public_does_nothing(runtime: Runtime) -> None:
    body = entry("bacteria", 800, "CFU/m³")
    async with api_client(runtime, None) as anonymous:
        assert (await anonymous.post("/api/v1/lab/results", json=body)).status_code == 401
        assert (await anonymous.get("/api/v1/lab/results")).status_code == 401
    async with api_client(runtime, Role.DUTY) as duty:
        assert (await duty.post("/api/v1/lab/results", json=body)).status_code == 403
        assert (await post_csv(duty, HEADER)).status_code == 403
        assert (await duty.get("/api/v1/lab/results")).status_code == 200
    async with api_client(runtime, Role.MANAGER) as manager:
        created = await manager.post("/api/v1/lab/results", json=body)
    assert created.status_code == 201
    audit = await runtime.audit.list(action="lab.")
    assert [(r.actor, r.action, r.target) for r in audit] == [
        ("test-manager", "lab.enter", f"lab/{created.json()['id']}")
    ]
    assert audit[0].after["value"] == 800


async def test_the_report_reads_results_in_force_by_period_and_zone(runtime: Runtime) -> None:
    async with api_client(runtime, Role.MANAGER) as client:
        october = (await client.post("/api/v1/lab/results", json=entry("bacteria", 700, "CFU/m³"))).json()
        await client.post(
            "/api/v1/lab/results", json=entry("bacteria", 600, "CFU/m³", corrects=october["id"])
        )
        await client.post(
            "/api/v1/lab/results", json=entry("radon", 80, "Bq/m³", sampled_at="2026-09-30T23:59:00")
        )
        await client.post("/api/v1/lab/results", json=entry("bacteria", 400, "CFU/m³", zone="stair-e"))
    start = datetime(2026, 9, 30, 16, tzinfo=UTC)  # October in Shanghai
    end = datetime(2026, 10, 31, 16, tzinfo=UTC)
    found = await results(lab_path(runtime.site), start, end, ["hall"])
    assert [(r.parameter, r.value, r.corrects, r.zone) for r in found] == [
        ("gb-t-18883-2022/bacteria", 600, october["id"], "hall")
    ]
    (result,) = found
    assert (result.name, result.limit, result.compliant) == (
        "细菌总数 / Total bacteria",
        "≤ 1500 CFU/m³",
        True,
    )
    assert (result.standard, result.clause, result.method) == (
        "GB/T 18883-2022",
        "表1 第21项",
        "GB/T 18883-2022 附录",
    )
    assert (result.laboratory, result.report_no, result.entered_by) == ("县疾控中心", "JC-1", "test-manager")
    assert result.sampled_at == datetime(2026, 10, 12, 1, 30, tzinfo=UTC)
    assert len(await results(lab_path(runtime.site), start, end, None)) == 2


async def test_the_cli_imports_the_same_file_or_nothing(runtime: Runtime, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"bacteria,hall,-5,CFU/m³,{SAMPLED},{METHOD}\n", encoding="utf-8")
    config = str(runtime.site.path)
    refused = await asyncio.to_thread(CliRunner().invoke, app, ["lab-import", "-c", config, str(bad)])
    done = await asyncio.to_thread(CliRunner().invoke, app, ["lab-import", "-c", config, str(EXAMPLE)])
    assert refused.exit_code == 2
    assert f"{bad}:2: value: 数值为负 / negative value -5 — a result is ≥ 0" in refused.output
    assert done.exit_code == 0, done.output
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    stored = await results(lab_path(runtime.site), start, end)
    assert len(stored) == len(EXAMPLE.read_text(encoding="utf-8").splitlines()) - 1
    assert {r.entered_by for r in stored} == {f"cli:{getpass.getuser()}"}
