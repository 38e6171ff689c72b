"""`SqliteStore`: one SQLite file as the embedded system of record.

WAL with synchronous=NORMAL: a commit costs no fsync, and a power cut can lose the last commits but
never the file's consistency. Writes run on one thread and connection, reads on a second one, so an
API read sees the last commit while a batch is being written instead of queueing behind it. Time is
stored as integer milliseconds since the Unix epoch (UTC). `latest` is a table kept in step with each
batch, so the dashboard's most frequent query reads one row per sensor.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import UTC, datetime, timedelta
from os import PathLike
from pathlib import Path

from sensors import Quality, Quantity, Reading
from storage.base import Bucket, SeriesChunk, WindowStats
from storage.connection import ThreadConnection, transaction
from storage.diskguard import DiskGuard
from storage.errors import StoreClosedError
from storage.migrations import migrate

log = logging.getLogger("anjing.storage")

PURGE_INTERVAL = 3600.0  # seconds between two retention purges

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

# stored in the file: never renumber
QUALITY_CODES: dict[Quality, int] = {
    Quality.GOOD: 0,
    Quality.BAD: 1,
    Quality.STALE: 2,
    Quality.OUT_OF_RANGE: 3,
}
_QUALITIES = {code: quality for quality, code in QUALITY_CODES.items()}
_GOOD = QUALITY_CODES[Quality.GOOD]

_Row = tuple[int, int, float | None, int, str | None]  # series, ts, value, quality, state

_UPSERT_SERIES = """
    INSERT INTO series (sensor, quantity) VALUES (?, ?)
    ON CONFLICT (sensor) DO UPDATE SET quantity = excluded.quantity
    RETURNING id"""
_INSERT_READING = "INSERT OR REPLACE INTO readings (series, ts, value, quality, state) VALUES (?, ?, ?, ?, ?)"
_INSERT_OUTBOX = "INSERT INTO outbox (series, ts) VALUES (?, ?)"
_UPSERT_LATEST = """
    INSERT INTO latest (series, ts, value, quality, state) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (series) DO UPDATE
    SET ts = excluded.ts, value = excluded.value, quality = excluded.quality, state = excluded.state
    WHERE excluded.ts >= latest.ts"""
_LATEST = """
    SELECT s.sensor, s.quantity, l.ts, l.value, l.quality, l.state
    FROM latest l JOIN series s ON s.id = l.series"""
_RAW = """
    SELECT ts, value, quality, state FROM readings
    WHERE series = ? AND ts >= ? AND ts < ?
    ORDER BY ts LIMIT ?"""
# Buckets start at multiples of :every since the epoch (the double modulo also floors negative ts).
# `last` is looked up by the newest good ts of each bucket: one primary-key probe per bucket.
_AGGREGATE = f"""
    WITH buckets AS (
        SELECT ts - ((ts % :every) + :every) % :every AS start,
               SUM(quality = {_GOOD}) AS good,
               SUM(quality != {_GOOD}) AS bad,
               AVG(CASE WHEN quality = {_GOOD} THEN value END) AS mean,
               MIN(CASE WHEN quality = {_GOOD} THEN value END) AS low,
               MAX(CASE WHEN quality = {_GOOD} THEN value END) AS high,
               MAX(CASE WHEN quality = {_GOOD} THEN ts END) AS last_ts
        FROM readings
        WHERE series = :series AND ts >= :start AND ts < :end
        GROUP BY start
    )
    SELECT b.start, b.good, b.bad, b.mean, b.low, b.high, r.value
    FROM buckets b LEFT JOIN readings r ON r.series = :series AND r.ts = b.last_ts
    ORDER BY b.start"""


# Windows laid from :origin (a local midnight), not from the epoch; a minute counts once however many
# readings it holds, so a window's data time does not depend on the poll interval.
_WINDOWS = f"""
    SELECT (ts - :origin) / :every AS n, COUNT(DISTINCT ts / 60000), COUNT(*), AVG(value), MIN(value), MAX(value)
    FROM readings
    WHERE series = :series AND ts >= :start AND ts < :end AND quality = {_GOOD} AND value IS NOT NULL
    GROUP BY n ORDER BY n"""


def to_ms(ts: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is refused rather than guessed."""
    if ts.tzinfo is None:
        raise ValueError(f"naive datetime {ts.isoformat()}: the store takes timezone-aware timestamps only")
    return (ts - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return EPOCH + _MS * ms


class SqliteStore:
    """The `Store` on one SQLite file; create it with `await SqliteStore.open(path)`."""

    def __init__(
        self,
        path: Path,
        *,
        retention_days: int | None = None,
        max_bytes: int | None = None,
        outbox: bool = False,
    ) -> None:
        if retention_days is not None and retention_days < 1:
            raise ValueError("retention_days must be ≥ 1")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError("max_bytes must be ≥ 1")
        self.path = path
        self._retention_days = retention_days
        self._max_bytes = max_bytes
        self._outbox = outbox  # append every stored reading to the InfluxDB outbox (storage/outbox.py)
        self.disk_guard: DiskGuard | None = None  # refuses writes, sheds the outbox, as free space shrinks
        self._shed_outbox = False  # set before each write by the disk guard
        self._writer = ThreadConnection(path, "anjing-store-writer")
        self._reader = ThreadConnection(path, "anjing-store-reader")
        self._closed = False
        # used on the writer thread only
        self._series: dict[str, tuple[int, str]] = {}  # sensor → (id, quantity) as committed
        self._next_purge = 0.0  # time.monotonic() of the next retention purge

    @classmethod
    async def open(
        cls,
        path: str | PathLike[str],
        *,
        retention_days: int | None = None,
        max_bytes: int | None = None,
        outbox: bool = False,
    ) -> SqliteStore:
        """Open or create the store at `path`, with its folders, and bring its schema up to date.

        `retention_days`: readings older than this are purged at the first write, then hourly.
        `max_bytes`: a cap on the file, so that the store raises `StoreFullError` before a disk it
        shares with the system fills up.
        `outbox`: each write also queues its readings for the InfluxDB forwarder, in the same transaction.
        """
        store = cls(Path(path), retention_days=retention_days, max_bytes=max_bytes, outbox=outbox)
        try:
            await store._writer.open(store._setup_writer)
            await store._reader.open(_setup_reader)
        except BaseException:
            await store.close()
            raise
        return store

    async def write(self, readings: Sequence[Reading]) -> None:
        """Store the batch and update `latest` in one transaction; after a `StoreError`, none of it is."""
        self._check_open()
        if readings:
            if self.disk_guard is not None:
                self._shed_outbox = self.disk_guard.admit(self.path)
            await self._writer.call(self._write, readings)

    async def latest(self, sensors: Collection[str] | None = None) -> list[Reading]:
        """The newest reading of each sensor, ordered by sensor (all sensors when `sensors` is None)."""
        self._check_open()
        wanted = None if sensors is None else json.dumps(list(sensors))
        return await self._reader.call(_latest, wanted)

    async def raw(self, sensor: str, start: datetime, end: datetime, *, limit: int = 10_000) -> list[Reading]:
        """Readings of `sensor` with start ≤ ts < end, oldest first, at most `limit`."""
        if limit < 0:
            raise ValueError("limit must be ≥ 0")
        self._check_open()
        return await self._reader.call(_raw, sensor, to_ms(start), to_ms(end), limit)

    async def stream(
        self, sensors: Collection[str], start: datetime, end: datetime, *, chunk: int = 10_000
    ) -> AsyncIterator[SeriesChunk]:
        """Readings of `sensors` with start ≤ ts < end, sensor by sensor (sorted), oldest first, at most
        `chunk` at a time: a keyset cursor on (series, ts), so an export of any range holds one chunk."""
        if chunk < 1:
            raise ValueError("chunk must be ≥ 1")
        self._check_open()
        end_ms = to_ms(end)
        for sensor in sorted(set(sensors)):
            after = to_ms(start)
            while True:
                found = await self._reader.call(_chunk, sensor, after, end_ms, chunk)
                if found is None:
                    break
                yield found
                if len(found.ts) < chunk:
                    break
                after = found.ts[-1] + 1

    async def aggregate(self, sensor: str, start: datetime, end: datetime, every: float) -> list[Bucket]:
        """Buckets of `every` seconds aligned to the epoch; the first may start before `start`."""
        every_ms = round(every * 1000)
        if every_ms < 1:
            raise ValueError(f"every must be at least 1 ms, got {every} s")
        self._check_open()
        return await self._reader.call(_aggregate, sensor, to_ms(start), to_ms(end), every_ms)

    async def windows(self, sensor: str, start: datetime, end: datetime, every: float) -> list[WindowStats]:
        """Windows of `every` seconds laid from `start` (not from the epoch), computed in SQLite; windows
        without good readings are left out. For reports: a month of 10-s readings never reaches Python."""
        every_ms = round(every * 1000)
        if every_ms < 60_000:
            raise ValueError(f"every must be at least a minute, got {every} s")
        self._check_open()
        return await self._reader.call(_windows, sensor, to_ms(start), to_ms(end), every_ms)

    async def purge(self, older_than: datetime) -> int:
        """Delete readings with ts < `older_than` (and `latest` rows as old); returns how many readings."""
        self._check_open()
        return await self._writer.call(self._purge, to_ms(older_than))

    async def ping(self) -> None:
        """One trivial query on the reader connection: answers whether the file can be read."""
        self._check_open()
        await self._reader.call(_ping)

    async def count(self) -> int:
        """Readings stored. Scans the table: for health pages and tests, not for every request."""
        self._check_open()
        return await self._reader.call(_count)

    async def close(self) -> None:
        """Finish the calls already made, then close both connections. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._reader.close()
        finally:
            await self._writer.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosedError(self.path)

    # --- on the writer thread

    def _setup_writer(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn, self.path)
        if self._max_bytes is not None:
            (page_size,) = conn.execute("PRAGMA page_size").fetchone()
            conn.execute(f"PRAGMA max_page_count = {max(1, self._max_bytes // page_size)}").fetchone()

    def _write(self, conn: sqlite3.Connection, readings: Sequence[Reading]) -> None:
        self._purge_if_due(conn)
        codes = QUALITY_CODES
        with transaction(conn):
            ids, added = self._series_ids(conn, readings)
            rows: list[_Row] = [
                (ids[r.sensor], to_ms(r.ts), r.value, codes[r.quality], r.state) for r in readings
            ]
            conn.executemany(_INSERT_READING, rows)
            newest: dict[int, _Row] = {}  # per series; a later duplicate ts wins, as in `readings`
            for row in rows:
                kept = newest.get(row[0])
                if kept is None or row[1] >= kept[1]:
                    newest[row[0]] = row
            conn.executemany(_UPSERT_LATEST, newest.values())
            if self._outbox and not self._shed_outbox:
                conn.executemany(_INSERT_OUTBOX, ((row[0], row[1]) for row in rows))
        self._series.update(added)  # only once committed: a rolled-back id must not be reused

    def _series_ids(
        self, conn: sqlite3.Connection, readings: Sequence[Reading]
    ) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
        """Each sensor's series id, and the series this batch creates or changes."""
        ids: dict[str, int] = {}
        added: dict[str, tuple[int, str]] = {}
        for sensor, quantity in {r.sensor: r.quantity.value for r in readings}.items():
            known = self._series.get(sensor)
            if known is not None and known[1] == quantity:
                ids[sensor] = known[0]
                continue
            ((series,),) = conn.execute(_UPSERT_SERIES, (sensor, quantity)).fetchall()
            ids[sensor] = series
            added[sensor] = (series, quantity)
        return ids, added

    def _purge_if_due(self, conn: sqlite3.Connection) -> None:
        if self._retention_days is None or time.monotonic() < self._next_purge:
            return
        # set first: a purge that fails fails this write once (the writer retries it), not every write
        self._next_purge = time.monotonic() + PURGE_INTERVAL
        deleted = self._purge(conn, to_ms(datetime.now(UTC) - timedelta(days=self._retention_days)))
        if deleted:
            log.info(
                "保留期清理：删除 %(n)d 条超过 %(days)d 天的读数 / retention purge: deleted %(n)d readings "
                "older than %(days)d days (%(path)s)",
                {"n": deleted, "days": self._retention_days, "path": self.path},
            )

    def _purge(self, conn: sqlite3.Connection, cutoff: int) -> int:
        with transaction(conn):
            # one range delete per series follows the primary key; a bare `ts < ?` would scan the table
            series = [(series, cutoff) for (series,) in conn.execute("SELECT id FROM series").fetchall()]
            deleted = conn.executemany("DELETE FROM readings WHERE series = ? AND ts < ?", series).rowcount
            conn.execute("DELETE FROM latest WHERE ts < ?", (cutoff,))
        return max(deleted, 0)


# --- on the reader thread


def _setup_reader(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON")


def _latest(conn: sqlite3.Connection, wanted: str | None) -> list[Reading]:
    if wanted is None:
        rows = conn.execute(f"{_LATEST} ORDER BY s.sensor")
    else:
        rows = conn.execute(
            f"{_LATEST} WHERE s.sensor IN (SELECT value FROM json_each(?)) ORDER BY s.sensor", (wanted,)
        )
    return [
        Reading(sensor, Quantity(quantity), value, from_ms(ts), _QUALITIES[quality], state)
        for sensor, quantity, ts, value, quality, state in rows
    ]


def _series(conn: sqlite3.Connection, sensor: str) -> tuple[int, Quantity] | None:
    found = conn.execute("SELECT id, quantity FROM series WHERE sensor = ?", (sensor,)).fetchone()
    return None if found is None else (found[0], Quantity(found[1]))


def _raw(conn: sqlite3.Connection, sensor: str, start: int, end: int, limit: int) -> list[Reading]:
    found = _series(conn, sensor)
    if found is None:
        return []
    series, quantity = found
    return [
        Reading(sensor, quantity, value, from_ms(ts), _QUALITIES[quality], state)
        for ts, value, quality, state in conn.execute(_RAW, (series, start, end, limit))
    ]


def _chunk(conn: sqlite3.Connection, sensor: str, start: int, end: int, limit: int) -> SeriesChunk | None:
    found = _series(conn, sensor)
    rows = [] if found is None else conn.execute(_RAW, (found[0], start, end, limit)).fetchall()
    if found is None or not rows:
        return None
    ts, values, qualities, states = zip(*rows, strict=True)
    return SeriesChunk(sensor, found[1], ts, values, [_QUALITIES[q] for q in qualities], states)


def _aggregate(conn: sqlite3.Connection, sensor: str, start: int, end: int, every: int) -> list[Bucket]:
    found = _series(conn, sensor)
    if found is None:
        return []
    rows = conn.execute(_AGGREGATE, {"series": found[0], "start": start, "end": end, "every": every})
    return [
        Bucket(from_ms(b), good, bad, mean, low, high, last) for b, good, bad, mean, low, high, last in rows
    ]


def _windows(conn: sqlite3.Connection, sensor: str, start: int, end: int, every: int) -> list[WindowStats]:
    found = _series(conn, sensor)
    if found is None:
        return []
    args = {"series": found[0], "origin": start, "start": start, "end": end, "every": every}
    return [
        WindowStats(from_ms(start + n * every), minutes, count, mean, low, high)
        for n, minutes, count, mean, low, high in conn.execute(_WINDOWS, args)
    ]


def _ping(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT 1 FROM series LIMIT 1").fetchall()


def _count(conn: sqlite3.Connection) -> int:
    (count,) = conn.execute("SELECT COUNT(*) FROM readings").fetchone()
    return int(count)
