"""What the docs promise about InfluxDB: the sample config loads, the InfluxQL queries run on a real
InfluxDB 1.6.7 over the forwarder's own lines, and the Grafana dashboard asks for what the schema writes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import ConfigError, load_site
from sensors import Quantity, Reading
from sensors.catalog import SensorInfo
from storage.influx import FAMILIES, Schema
from tests.helpers import free_port, small_site
from tests.storage.influx.servers import InfluxDB1

ROOT = Path(__file__).parents[3]
DOC = ROOT / "docs" / "influxdb.md"
SAMPLE = ROOT / "storage" / "influx" / "sample.yaml"
DASHBOARD = ROOT / "docs" / "grafana" / "anjing-influxdb.json"
SITE_NAME = "城关镇中小企业服务中心"
TAGS = {"site", "zone", "device", "sensor", "quantity", "unit", "quality"}
FIELDS = {"value", "state", "quality_code"}


def with_storage(tmp_path: Path, storage: str) -> Path:
    config = small_site(tmp_path, tcp_port=free_port(), rtu_port=free_port())
    text = config.read_text().replace("storage:\n  sqlite: {path: data/test.db}\n", storage)
    config.write_text(text)
    return config


def test_the_sample_config_loads(tmp_path: Path) -> None:
    storage = SAMPLE.read_text(encoding="utf-8")
    site = load_site(with_storage(tmp_path, storage), {"INFLUX_TOKEN": "s3cret"})
    influx = site.config.storage.influxdb
    assert influx is not None
    assert influx.token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(influx)
    assert (influx.bucket, influx.batch_size, influx.max_age) == ("anjing", 5000, 30 * 86400)


def test_a_missing_token_variable_names_the_line(tmp_path: Path) -> None:
    storage = SAMPLE.read_text(encoding="utf-8")
    config = with_storage(tmp_path, storage)
    with pytest.raises(ConfigError) as caught:
        load_site(config, {})
    line = next(i for i, text in enumerate(config.read_text().splitlines(), 1) if "${INFLUX_TOKEN}" in text)
    assert f"{config}:{line}" in str(caught.value)
    assert "INFLUX_TOKEN" in str(caught.value)


def test_every_documented_config_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n((?:storage|mqtt):\n.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 5  # four servers, and the multi-building one with MQTT
    for n, block in enumerate(blocks):
        folder = tmp_path / str(n)
        folder.mkdir()
        site = load_site(with_storage(folder, block), {"INFLUX_TOKEN": "t"})
        assert site.config.storage.influxdb is not None


def test_documented_influxql_runs_on_the_forwarders_lines(
    influxdb1: InfluxDB1, catalog: Mapping[str, SensorInfo]
) -> None:
    schema = Schema(SITE_NAME, catalog)
    now = datetime.now(UTC).replace(microsecond=0)
    readings = [
        Reading(sensor, quantity, value, now - timedelta(minutes=m))
        for m in range(0, 120, 10)
        for sensor, quantity, value in [
            ("aq-hall-1.co2", Quantity.CO2, 600.0 + m),
            ("aq-meeting.hcho", Quantity.HCHO, 0.05),
        ]
    ]
    readings.append(Reading("door-mon.door_1", Quantity.DOOR_STATE, 1.0, now, state="open"))
    answer = influxdb1.write("anjing", "\n".join(map(schema.line, readings)))
    assert answer.status_code == 204, answer.text
    queries = re.findall(r"```influxql\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(queries) == 3
    results = [influxdb1.query(q, "anjing")["results"][0] for q in queries]
    for query, result in zip(queries, results, strict=True):
        assert "error" not in result, (query, result)
        assert result.get("series"), f"no rows: {query}"
    co2, doors, hcho = (r["series"] for r in results)
    assert {s["tags"]["zone"] for s in co2} == {"hall"}
    assert doors[0]["tags"]["zone"] == "stair-e"
    assert doors[0]["values"][0][1] == "open"
    assert hcho[0]["values"][0][1] == pytest.approx(0.05)


def test_the_grafana_dashboard_asks_for_what_the_schema_writes() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = [t["query"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(queries) == len(dashboard["panels"]) >= 6
    for query in queries:
        assert set(re.findall(r'r\._measurement == "(\w+)"', query)) <= set(FAMILIES)
        assert set(re.findall(r'r\._field == "(\w+)"', query)) <= FIELDS
        used = set(re.findall(r"\br\.(\w+) ==", query)) - {"_measurement", "_field", "_value"}
        assert used <= TAGS, query
        for quantity in re.findall(r'r\.quantity == "(\w+)"', query):
            Quantity(quantity)
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"bucket", "site"}
