from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

import pytest
from pydantic import SecretStr

from config import load_site
from config.catalog import build_catalog
from config.influx import InfluxStorage
from sensors.catalog import SensorInfo
from storage import SqliteStore
from tests.storage.influx.servers import InfluxDB1, VictoriaMetrics

DEMO = Path(__file__).parents[3] / "config" / "examples" / "demo-site.yaml"
SITE = "城关镇 中心,东=1"  # a site tag that needs every escape


def influx_config(url: str, **overrides: object) -> InfluxStorage:
    """Fast retries for tests; anything else as a user would write it."""
    values: dict[str, object] = {
        "url": url,
        "org": "anjing",
        "bucket": "anjing",
        "token": SecretStr("test-token"),
        "retry_initial": 0.05,
        "retry_max": 1.0,
    }
    values.update(overrides)
    return InfluxStorage.model_validate(values)


@pytest.fixture(scope="session")
def catalog() -> Mapping[str, SensorInfo]:
    return build_catalog(load_site(DEMO))


@pytest.fixture
async def outbox_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "anjing.db", outbox=True)
    yield store
    await store.close()


@pytest.fixture
def victoria(tmp_path: Path) -> Iterator[VictoriaMetrics]:
    server = VictoriaMetrics(tmp_path / "vm")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def influxdb1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDB1]:
    """InfluxDB 1.6.7 with an empty `anjing` database; tests write distinct measurements or series."""
    server = InfluxDB1(tmp_path_factory.mktemp("influxdb1"))
    server.query("CREATE DATABASE anjing")
    yield server
    server.stop()
