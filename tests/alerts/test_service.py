"""The alert service on a real SQLite file: windows refilled from the store at start."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts import AlertService
from config.catalog import build_catalog
from sensors import Quantity, Reading
from storage import SqliteStore
from tests.alerts.support import probe_site, states

KEY = "gb-t-18883-2022/hcho-1h@probe.hcho"


@pytest.mark.parametrize(
    ("minutes", "expected"), [(50, ["pending"]), (30, [])], ids=["enough-data", "too-little"]
)
async def test_start_refills_the_hourly_window_from_the_store(
    tmp_path: Path, minutes: int, expected: list[str]
) -> None:
    site = probe_site(tmp_path, standards=["gb-t-18883-2022"])
    path = tmp_path / "anjing.db"
    store = await SqliteStore.open(path)
    now = time.time()
    history = [
        Reading("probe.hcho", Quantity.HCHO, 0.09, datetime.fromtimestamp(now - 60 * minutes + 10 * i, UTC))
        for i in range(6 * minutes)
    ]
    await store.write(history)
    service = AlertService(site, build_catalog(site))
    await service.start(path, store)
    try:
        transitions = service.engine.tick(time.time())
        assert states(transitions, "gb-t-18883-2022/hcho-1h") == expected
        if expected:
            assert service.engine.status(KEY).value == pytest.approx(0.09)
    finally:
        await service.stop()
        await store.close()
