"""One sqlite3 connection confined to its own thread, with sqlite3's errors translated at that boundary.

sqlite3 calls block. Running each connection's calls on its own single-thread executor keeps the event
loop free and satisfies sqlite3's one-thread-per-connection rule; the queue of that executor also
orders the calls, so `close()` runs after everything submitted before it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Concatenate, ParamSpec, Self, TypeVar

from storage.errors import (
    StoreClosedError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreSchemaError,
    StoreUnavailableError,
)

P = ParamSpec("P")
T = TypeVar("T")

# primary result codes (the low byte of an extended code) that say something about the file, not the SQL
_ERRORS: dict[int, type[StoreError]] = {
    sqlite3.SQLITE_FULL: StoreFullError,
    sqlite3.SQLITE_PERM: StoreUnavailableError,
    sqlite3.SQLITE_BUSY: StoreUnavailableError,
    sqlite3.SQLITE_LOCKED: StoreUnavailableError,
    sqlite3.SQLITE_READONLY: StoreUnavailableError,
    sqlite3.SQLITE_IOERR: StoreUnavailableError,
    sqlite3.SQLITE_CANTOPEN: StoreUnavailableError,
    sqlite3.SQLITE_PROTOCOL: StoreUnavailableError,
    sqlite3.SQLITE_AUTH: StoreUnavailableError,
    sqlite3.SQLITE_CORRUPT: StoreCorruptError,
    sqlite3.SQLITE_NOTADB: StoreCorruptError,
}


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Re-raise file-level failures as `StoreError`s naming `path`; SQL mistakes (bugs) pass unchanged."""
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        error = _ERRORS.get(code & 0xFF) if code is not None else None
        if error is None:
            raise
        raise error(path, str(exc)) from exc
    except OSError as exc:  # creating the parent folder
        raise StoreUnavailableError(path, str(exc)) from exc


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any failure: the work is stored whole or not at all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite rolls back by itself after some errors (full disk, I/O)
            conn.execute("ROLLBACK")
        raise


def own_tables(conn: sqlite3.Connection, schema: Sequence[str], meta: str, version: int) -> None:
    """Create a part's own tables in the site's SQLite file (alerts, notifications) and check their
    version in its `meta` table: a file written by a newer Anjing is refused, never half-understood."""
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    with transaction(conn):
        for statement in schema:
            conn.execute(statement)
        row = conn.execute(f"SELECT version FROM {meta}").fetchone()
        if row is None:
            conn.execute(f"INSERT INTO {meta} VALUES (?)", (version,))
        elif row[0] > version:
            (_, _, file), *_ = conn.execute("PRAGMA database_list").fetchall()
            detail = f"{meta}: tables at version {row[0]}, this Anjing knows {version}"
            raise StoreSchemaError(Path(file), detail)


class ThreadConnection:
    """A connection to `path` living on a thread named `name`; callers await each call's result."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: sqlite3.Connection | None = None

    async def open(self, setup: Callable[[sqlite3.Connection], None]) -> None:
        """Connect (creating the parent folders) and run `setup`, e.g. pragmas and migrations."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._connect, setup)

    async def call(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`fn(connection, *args, **kwargs)` on the connection's thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: self._run(fn, *args, **kwargs)
        )

    async def close(self) -> None:
        """Close after the calls already submitted; the thread then ends."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._disconnect)
        finally:
            self._executor.shutdown(wait=False)

    def _connect(self, setup: Callable[[sqlite3.Connection], None]) -> None:
        with translated(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None)  # autocommit: we BEGIN explicitly
            try:
                setup(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn

    def _run(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._conn is None:
            raise StoreClosedError(self.path)
        with translated(self.path):
            return fn(self._conn, *args, **kwargs)

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class OwnConnection:
    """A part's own tables in the site file, on a connection of its own: `await Part.open(path)`, then
    `close()`. Subclasses name the connection's thread and give the setup (pragmas, `own_tables`)."""

    thread: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = ThreadConnection(path, self.thread)

    @staticmethod
    def setup(conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    @classmethod
    async def open(cls, path: Path) -> Self:
        part = cls(path)
        await part._conn.open(cls.setup)
        return part

    async def close(self) -> None:
        await self._conn.close()
