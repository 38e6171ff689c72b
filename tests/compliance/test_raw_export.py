"""The raw-data export over the real API and CLI: exact rows, BOM, site time, Parquet, permissions, audit."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
from typer.testing import CliRunner

from anjing.cli import app
from anjing.runtime import Runtime
from api.auth import Role
from compliance.raw import ExportFormat, export_chunks
from sensors import Quality, Quantity, Reading
from storage import SqliteStore
from tests.api_client import api_client
from tests.compliance.runtime_support import runtime

__all__ = ["runtime"]  # the fixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 10, 1, tzinfo=UTC)  # 08:00 in Shanghai
PARAMS = {"start": "2026-10-01T08:00:00", "end": "2026-10-01T08:01:00"}  # site time
SENSORS: list[tuple[str, str | int | float | bool | None]] = [
    ("sensor", "th-1.temperature"),
    ("sensor", "aq-1.co2"),
]


def seeded() -> list[Reading]:
    """Inside the range: three CO2 readings (one bad) and two temperatures; outside: one of each."""
    return [
        Reading("aq-1.co2", Quantity.CO2, 612.0, T0),
        Reading("aq-1.co2", Quantity.CO2, None, T0 + timedelta(seconds=10), Quality.BAD),
        Reading("aq-1.co2", Quantity.CO2, 615.5, T0 + timedelta(seconds=20, milliseconds=250)),
        Reading("aq-1.co2", Quantity.CO2, 700.0, T0 + timedelta(seconds=60)),  # end is exclusive
        Reading("th-1.temperature", Quantity.TEMPERATURE, 23.4, T0 + timedelta(seconds=5)),
        Reading("th-1.temperature", Quantity.TEMPERATURE, 23.5, T0 + timedelta(seconds=15)),
        Reading("th-1.temperature", Quantity.TEMPERATURE, 22.0, T0 - timedelta(seconds=1)),
        Reading("lux-1.illuminance", Quantity.ILLUMINANCE, 300.0, T0),  # not asked for
    ]


EXPECTED = [
    ["time", "sensor", "quantity", "value", "unit", "quality", "state"],
    ["2026-10-01T08:00:00.000+08:00", "aq-1.co2", "co2", "612", "ppm", "good", ""],
    ["2026-10-01T08:00:10.000+08:00", "aq-1.co2", "co2", "", "ppm", "bad", ""],
    ["2026-10-01T08:00:20.250+08:00", "aq-1.co2", "co2", "615.5", "ppm", "good", ""],
    ["2026-10-01T08:00:05.000+08:00", "th-1.temperature", "temperature", "23.4", "°C", "good", ""],
    ["2026-10-01T08:00:15.000+08:00", "th-1.temperature", "temperature", "23.5", "°C", "good", ""],
]


async def test_csv_has_exactly_the_rows_of_the_range_in_site_time_with_bom(runtime: Runtime) -> None:
    await runtime.store.write(seeded())
    async with api_client(runtime, Role.MANAGER) as client:
        answer = await client.get("/api/v1/export/readings", params=[*SENSORS, *PARAMS.items()])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        answer.headers["content-disposition"]
        == 'attachment; filename="anjing-readings-20261001-20261001.csv"'
    )
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")))) == EXPECTED
    audit = await runtime.audit.list(action="export.readings")
    assert [(r.actor, r.target) for r in audit] == [("test-manager", "anjing-readings-20261001-20261001.csv")]


async def test_parquet_holds_the_same_rows(runtime: Runtime) -> None:
    await runtime.store.write(seeded())
    async with api_client(runtime, Role.MANAGER) as client:
        answer = await client.get(
            "/api/v1/export/readings", params=[*SENSORS, *PARAMS.items(), ("format", "parquet")]
        )
    assert answer.status_code == 200, answer.text
    table = pq.read_table(io.BytesIO(answer.content))
    rows = [
        [
            r["time"].astimezone(SHANGHAI).isoformat(timespec="milliseconds"),
            r["sensor"],
            r["quantity"],
            "" if r["value"] is None else f"{r['value']:g}",
            r["unit"],
            r["quality"],
            r["state"] or "",
        ]
        for r in table.to_pylist()
    ]
    assert [table.column_names, *rows] == EXPECTED
    assert str(table.schema.field("time").type) == "timestamp[ms, tz=Asia/Shanghai]"


async def test_only_managers_export_and_unknown_sensors_are_named(runtime: Runtime) -> None:
    params = [*SENSORS, *PARAMS.items()]
    async with api_client(runtime, None) as anonymous:
        assert (await anonymous.get("/api/v1/export/readings", params=params)).status_code == 401
    async with api_client(runtime, Role.DUTY) as duty:
        assert (await duty.get("/api/v1/export/readings", params=params)).status_code == 403
    async with api_client(runtime, Role.MANAGER) as manager:
        answer = await manager.get("/api/v1/export/readings", params=[("sensor", "nope.co2")])
        assert answer.status_code == 404
        assert "nope.co2" in answer.json()["detail"]
        backwards = await manager.get(
            "/api/v1/export/readings", params=[*SENSORS, ("start", PARAMS["end"]), ("end", PARAMS["start"])]
        )
        assert backwards.status_code == 422


async def test_cli_writes_the_same_file_as_the_api(runtime: Runtime, tmp_path: Path) -> None:
    await runtime.store.write(seeded())
    async with api_client(runtime, Role.MANAGER) as client:
        served = (await client.get("/api/v1/export/readings", params=[*SENSORS, *PARAMS.items()])).content
    out = tmp_path / "export.csv"
    args = ["export-readings", "-c", str(runtime.site.path), "--sensor", "aq-1.co2"]
    args += [
        "--sensor",
        "th-1.temperature",
        "--start",
        PARAMS["start"],
        "--end",
        PARAMS["end"],
        "--out",
        str(out),
    ]
    result = await asyncio.to_thread(CliRunner().invoke, app, args)  # the command runs its own loop
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == served


async def test_chunks_follow_the_keyset_and_local_time_follows_daylight_saving(tmp_path: Path) -> None:
    """Chunks of two readings (the cursor resumes after each), and Berlin's clocks going forward."""
    switch = datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
    store = await SqliteStore.open(tmp_path / "store.db")
    times = [switch - timedelta(seconds=1), switch, switch + timedelta(minutes=30)]
    await store.write([Reading("a.lux", Quantity.ILLUMINANCE, float(i), t) for i, t in enumerate(times)])
    await store.write([Reading("b.door", Quantity.DOOR_STATE, 1.0, switch, state="open")])
    try:
        data = b"".join(
            [
                part
                async for part in export_chunks(
                    store, ["b.door", "a.lux"], times[0], times[-1], fmt=ExportFormat.CSV, tz=BERLIN, chunk=2
                )
            ]
        )
        streamed = [
            len(c.ts) async for c in store.stream(["a.lux"], times[0], switch + timedelta(hours=1), chunk=2)
        ]
    finally:
        await store.close()
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        EXPECTED[0],
        ["2026-03-29T01:59:59.000+01:00", "a.lux", "illuminance", "0", "lx", "good", ""],
        ["2026-03-29T03:00:00.000+02:00", "a.lux", "illuminance", "1", "lx", "good", ""],
        ["2026-03-29T03:00:00.000+02:00", "b.door", "door_state", "1", "", "good", "open"],
    ]
    assert streamed == [2, 1]
