"""Line protocol: exact text for each escape and field type, and the same lines through InfluxDB 1.6.7's
strict `/write` parser, read back with InfluxQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sensors import Quality, Quantity, Reading
from sensors.catalog import SensorInfo
from storage.influx import Schema, encode_line, measurement
from tests.storage.influx.conftest import SITE
from tests.storage.influx.servers import InfluxDB1

TS = datetime(2024, 5, 1, 8, 30, 0, 123_000, tzinfo=UTC)
TS_MS = 1714552200123


def test_escapes_each_element_as_line_protocol_requires() -> None:
    line = encode_line(
        "air quality,x",
        {"zone": "东 楼,梯=间", "site": "中心", "empty": "", "trail": "a\\"},
        {"f x": 1.5, "n": 3, "b": True, "s": 'say "hi" \\ 你好'},
        TS_MS,
    )
    assert line == (
        r"air\ quality\,x,site=中心,trail=a,zone=东\ 楼\,梯\=间 "
        r'f\ x=1.5,n=3i,b=true,s="say \"hi\" \\ 你好" 1714552200123'
    )


def test_a_value_without_representation_is_left_out() -> None:
    assert encode_line("m", {}, {"v": float("nan"), "ok": False}, 1) == "m ok=false 1"
    assert encode_line("m", {}, {"v": float("inf")}, 1) is None


def test_line_breaks_cannot_split_a_line() -> None:
    line = encode_line("m", {"t": "a\nb"}, {"s": "x"}, 1)
    assert line == 'm,t=a\\ b s="x" 1'


def test_measurements_are_quantity_families() -> None:
    assert measurement(Quantity.CO2) == measurement(Quantity.HCHO) == "air"
    assert measurement(Quantity.DOOR_STATE) == "exits"
    assert measurement(Quantity.ILLUMINANCE) == "light"


def test_influxdb_1_parser_takes_every_field_type_and_escape(influxdb1: InfluxDB1) -> None:
    line = encode_line(
        "kinds",
        {"site": SITE, "zone": "东 楼,梯=间"},
        {"f": -1.25e-3, "big": 12345678901234, "b": False, "s": 'q "x" \\ 值'},
        TS_MS,
    )
    assert line is not None
    assert influxdb1.write("anjing", line).status_code == 204
    result = influxdb1.query("SELECT * FROM kinds", "anjing")
    (series,) = result["results"][0]["series"]
    row = dict(zip(series["columns"], series["values"][0], strict=True))
    assert row == {
        "time": TS_MS,
        "site": SITE,
        "zone": "东 楼,梯=间",
        "f": -1.25e-3,
        "big": 12345678901234,
        "b": False,
        "s": 'q "x" \\ 值',
    }


def test_influxdb_1_reads_back_the_outbox_lines(
    influxdb1: InfluxDB1, catalog: Mapping[str, SensorInfo]
) -> None:
    """The forwarder's own lines (Chinese site tag with spaces, commas and `=`) through the strict parser."""
    schema = Schema(SITE, catalog)
    readings = [
        Reading("aq-hall-1.co2", Quantity.CO2, 612.5, TS),
        Reading("aq-hall-1.hcho", Quantity.HCHO, None, TS, Quality.BAD),
        Reading("door-mon.door_1", Quantity.DOOR_STATE, 1.0, TS, state="open"),
    ]
    body = "\n".join(schema.line(r) for r in readings)
    answer = influxdb1.write("anjing", body)
    assert answer.status_code == 204, answer.text
    mine = f"WHERE site = '{SITE}'"  # the database is shared with other tests
    air = influxdb1.query(f"SELECT * FROM air {mine} GROUP BY *", "anjing")["results"][0]["series"]
    rows = {
        s["tags"]["sensor"]: (s["tags"], dict(zip(s["columns"], s["values"][0], strict=True))) for s in air
    }
    tags, fields = rows["aq-hall-1.co2"]
    assert tags == {
        "site": SITE,
        "zone": "hall",
        "device": "aq-hall-1",
        "sensor": "aq-hall-1.co2",
        "quantity": "co2",
        "unit": "ppm",
        "quality": "good",
    }
    assert fields == {"time": TS_MS, "value": 612.5, "quality_code": 0}
    tags, fields = rows["aq-hall-1.hcho"]
    assert (tags["quality"], tags["unit"]) == ("bad", "mg/m³")
    assert fields == {"time": TS_MS, "value": None, "quality_code": 1}
    (exits,) = influxdb1.query(f"SELECT * FROM exits {mine}", "anjing")["results"][0]["series"]
    row = dict(zip(exits["columns"], exits["values"][0], strict=True))
    assert (row["state"], row["value"], row["zone"], row["time"]) == ("open", 1.0, "stair-e", TS_MS)


def test_influxdb_1_refuses_what_the_encoder_never_writes(influxdb1: InfluxDB1) -> None:
    """The parser is strict: these checks would catch an encoder that got escaping wrong."""
    assert influxdb1.write("anjing", "m,t=a b v=1 1").status_code == 400
    assert influxdb1.write("anjing", "m,t= v=1 1").status_code == 400
    assert influxdb1.write("anjing", 'm s="a"b" 1').status_code == 400
