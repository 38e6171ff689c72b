"""Upgrades: a site file written by every earlier released Anjing opens, keeps its data, reaches today's
schema; a file from a newer Anjing is refused with a message and left as it was.

Earlier schemas are built from the append-only storage steps (`MIGRATIONS[:n]` is exactly what
release n wrote) and the parts' own tables at their first version. The parts are all still at
version 1, so their openers write that version; `test_every_released_part_version_has_a_fixture`
fails the day one of them moves on, asking for its version-1 statements to be frozen here.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from alerts.notify.queue import SCHEMA_VERSION as NOTIFY_VERSION
from alerts.notify.queue import NotifyQueue
from alerts.store import SCHEMA_VERSION as ALERTS_VERSION
from alerts.store import AlertStore
from anjing.runtime import Runtime, StartupError
from anjing.storelock import StoreLock
from api.auth import Role
from api.auth.database import SCHEMA_VERSION as AUTH_VERSION
from api.auth.service import AuthService
from config import Site, load_site
from config.auth import ApiAuth
from safety.journal import SCHEMA_VERSION as SAFETY_VERSION
from safety.journal import SafetyJournal
from storage.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.helpers import free_port, small_site

# the versions of each part's tables that have shipped; a fixture below covers each
RELEASED_PARTS = {"auth_meta": 1, "alert_meta": 1, "notify_meta": 1, "safety_meta": 1}
DAY_AGO = int(time.time() * 1000) - 86_400_000  # inside the retention, which purges on the first write
OLD_READINGS = [(DAY_AGO + i * 10_000, 12.5 + i, 0) for i in range(100)]
USER = "duty-officer"


def storage_at(path: Path, version: int) -> None:
    """The store as release `version` wrote it, holding OLD_READINGS of aq-1.pm2_5."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:version]:
        for statement in step:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO series (id, sensor, quantity) VALUES (1, 'aq-1.pm2_5', 'pm2_5')")
    conn.executemany("INSERT INTO readings VALUES (1, ?, ?, ?, NULL)", OLD_READINGS)
    ts, value, quality = OLD_READINGS[-1]
    conn.execute("INSERT INTO latest VALUES (1, ?, ?, ?, NULL)", (ts, value, quality))
    conn.close()


async def parts_at_version_1(path: Path) -> None:
    """Each part's tables at version 1, with a user in them."""
    auth = await AuthService.open(path, ApiAuth())
    await auth.users.add(USER, Role.DUTY, "Correct-Horse-42-battery")
    await auth.close()
    for opener in (AlertStore.open, NotifyQueue.open, SafetyJournal.open):
        part = await opener(path)
        await part.close()


async def store_1(path: Path) -> None:
    storage_at(path, 1)


async def store_1_parts_1(path: Path) -> None:
    storage_at(path, 1)
    await parts_at_version_1(path)


async def store_2_parts_1(path: Path) -> None:
    storage_at(path, 2)
    await parts_at_version_1(path)


FIXTURES: dict[str, Callable[[Path], Awaitable[None]]] = {
    "store-1": store_1,  # readings only: before users, alerts, notifications and safety existed
    "store-1+parts-1": store_1_parts_1,
    "store-2+parts-1": store_2_parts_1,  # the outbox step
}


def site(tmp_path: Path) -> Site:
    config = small_site(
        tmp_path,
        tcp_port=free_port(),
        rtu_port=free_port(),
        poll="100ms",
        extra="""
        simulator: {enabled: true, seed: 2}
        """,
    )
    return load_site(config)


def metas(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_meta'")]
        found = {name: conn.execute(f"SELECT version FROM {name}").fetchone()[0] for name in names}
        found["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return found
    finally:
        conn.close()


def test_every_released_part_version_has_a_fixture() -> None:
    current = {"auth_meta": AUTH_VERSION, "alert_meta": ALERTS_VERSION, "notify_meta": NOTIFY_VERSION}
    current["safety_meta"] = SAFETY_VERSION
    assert current == RELEASED_PARTS, (
        "a part's tables have a new version: freeze the old one as a fixture here"
    )
    assert SCHEMA_VERSION == len(MIGRATIONS) == 2, "a new storage step: add a fixture at the previous version"


@pytest.mark.parametrize("build", FIXTURES.values(), ids=FIXTURES.keys())
async def test_an_earlier_file_opens_keeps_its_data_and_is_upgraded(
    tmp_path: Path, build: Callable[[Path], Awaitable[None]]
) -> None:
    the_site = site(tmp_path)
    path = tmp_path / "data" / "test.db"
    await build(path)
    async with Runtime(the_site) as runtime:
        for _ in range(100):
            if runtime.stored:
                break
            await asyncio.sleep(0.05)
        assert runtime.stored, "the upgraded file takes new readings"
        assert await runtime.auth.users.get(USER) is not None or build is store_1
    conn = sqlite3.connect(path)
    kept = conn.execute(
        "SELECT ts, value, quality FROM readings WHERE series = 1 ORDER BY ts LIMIT 100"
    ).fetchall()
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)  # the step-2 table exists
    conn.close()
    assert kept == OLD_READINGS
    found = metas(path)
    assert found.pop("user_version") == SCHEMA_VERSION
    assert found.items() <= RELEASED_PARTS.items()
    assert {"auth_meta", "alert_meta"} <= found.keys()  # the parts this site runs (no notify, no safety)


@pytest.mark.parametrize(
    ("table", "expected"),
    [("user_version", "newer Anjing"), ("auth_meta", "auth_meta: tables at version 2, this Anjing knows 1")],
)
async def test_a_file_from_a_newer_anjing_is_refused_and_left_alone(
    tmp_path: Path, table: str, expected: str
) -> None:
    the_site = site(tmp_path)
    path = tmp_path / "data" / "test.db"
    await store_2_parts_1(path)
    conn = sqlite3.connect(path, isolation_level=None)
    if table == "user_version":
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    else:
        conn.execute(f"UPDATE {table} SET version = version + 1")
    conn.close()
    before = metas(path)
    with pytest.raises(StartupError, match=expected):
        await Runtime(the_site).__aenter__()
    assert metas(path) == before
    lock = StoreLock(path, exclusive=True)
    lock.acquire()  # a start that failed let go of the store: a restore may proceed
    lock.release()
