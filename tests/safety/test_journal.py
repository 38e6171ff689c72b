"""The safety journal in a real SQLite file: append-only, corrected only by new entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from safety import EntryKind, JournalError, SafetyJournal, effective


async def test_entries_cannot_be_changed_only_corrected(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    journal = await SafetyJournal.open(path)
    try:
        first = await journal.append(EntryKind.SIGN, "alarm-panel", "li.ming", {"result": "ok"})
        other = await journal.append(EntryKind.INSPECTION, "patrol", "li.ming", {"result": "pass"})
        with pytest.raises(JournalError):  # a correction names an entry of the same kind and subject
            await journal.append(
                EntryKind.SIGN, "alarm-panel", "li.ming", {"result": "ok"}, corrects=other.id
            )
        with pytest.raises(JournalError):
            await journal.append(EntryKind.SIGN, "alarm-panel", "li.ming", {"result": "ok"}, corrects=999)
        fixed = await journal.append(
            EntryKind.SIGN, "alarm-panel", "wang.fang", {"result": "problem"}, corrects=first.id
        )
        signs = await journal.entries(kinds=[EntryKind.SIGN])
        assert [e.id for e in signs] == [first.id, fixed.id]  # both kept, in the order recorded
        assert [e.id for e in effective(signs)] == [fixed.id]
        assert (await journal.entry(first.id)) == first
    finally:
        await journal.close()

    with sqlite3.connect(path) as conn:
        for statement in ("UPDATE safety_journal SET actor = 'x'", "DELETE FROM safety_journal"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM safety_journal").fetchone() == (3,)


async def test_schedule_keeps_the_first_time_a_task_was_seen(tmp_path: Path) -> None:
    journal = await SafetyJournal.open(tmp_path / "site.db")
    try:
        assert await journal.schedule(["patrol"], 100.0) == {"patrol": 100.0}
        assert await journal.schedule(["patrol", "extinguishers.hall"], 200.0) == {
            "patrol": 100.0,
            "extinguishers.hall": 200.0,
        }
    finally:
        await journal.close()
