"""The safety records of the period from the safety journal: tests, inspections due, sign-offs, drills.

Records are read as the journal holds them: corrections applied (`safety.journal.effective`), withdrawn
records dropped. A record belongs to the period by when the work was performed (tests) or recorded
(sign-offs, drills). Inspections "done vs due": each task's records in the period and where it stood
at the period's end (`safety.schedule.due_state`), so a task overdue on the last day shows as such.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from compliance.model import Drill, Period, SignOff, TaskFigures, TestRecord
from safety import SafetyService
from safety.drills import drill_record
from safety.inspections import Result
from safety.journal import Entry, EntryKind, SafetyJournal, effective
from safety.schedule import due_state


async def tests_and_tasks(
    journal: SafetyJournal, safety: SafetyService, period: Period, zones: Collection[str]
) -> tuple[list[TestRecord], list[TaskFigures]]:
    tz = period.start.tzinfo
    entries = await journal.entries(kinds=[EntryKind.INSPECTION])
    in_force = [e for e in effective(entries) if e.data["result"] != Result.VOID]
    tasks = {t.id: t for t in safety.inspections.tasks.values() if t.zone is None or t.zone.id in zones}
    tests: list[TestRecord] = []
    figures: list[TaskFigures] = []
    for task in tasks.values():
        done = sorted(
            (e for e in in_force if e.subject == task.id),
            key=lambda e: datetime.fromisoformat(e.data["performed"]),
        )
        before_end = [e for e in done if datetime.fromisoformat(e.data["performed"]) < period.end]
        inside = [e for e in before_end if datetime.fromisoformat(e.data["performed"]) >= period.start]
        tests += [_test(e, task.name, task.zone.id if task.zone else None, period) for e in inside]
        last = (
            datetime.fromisoformat(before_end[-1].data["performed"]).astimezone(tz).date()
            if before_end
            else None
        )
        due = due_state(
            task.every, task.remind, last, scheduled=period.start.date(), now=period.end, tz=safety.tz
        )
        figures.append(
            TaskFigures(
                task=task.id,
                name=task.name,
                zone=task.zone.id if task.zone else None,
                every=task.every.value,
                done=len(inside),
                passed=sum(e.data["result"] == Result.PASS for e in inside),
                failed=sum(e.data["result"] == Result.FAIL for e in inside),
                last_done=last.isoformat() if last else None,
                next_due=due.due.isoformat(),
                state_at_end=due.state.value,
            )
        )
    return sorted(tests, key=lambda t: (t.performed, t.id)), figures


def _test(entry: Entry, name: str, zone: str | None, period: Period) -> TestRecord:
    data = entry.data
    return TestRecord(
        id=entry.id,
        task=entry.subject,
        name=name,
        zone=zone,
        performed=datetime.fromisoformat(data["performed"]).astimezone(period.start.tzinfo),
        result=data["result"],
        source=data.get("source", "manual"),
        actor=entry.actor,
        measured=", ".join(f"{k} = {v:g}" for k, v in data.get("values", {}).items()),
        required=", ".join(f"{k} {text}" for k, text in data.get("limits", {}).items()),
        note=data.get("note", ""),
    )


async def signoffs(journal: SafetyJournal, period: Period) -> list[SignOff]:
    """Every sign-off recorded in the period, corrections included (they are part of the record)."""
    entries = await journal.entries(
        kinds=[EntryKind.SIGN], start=period.start.timestamp(), end=period.end.timestamp()
    )
    return [
        SignOff(
            id=e.id,
            time=datetime.fromtimestamp(e.ts, period.start.tzinfo),
            item=e.subject,
            section=e.data.get("section", ""),
            result=e.data["result"],
            actor=e.actor,
            note=e.data.get("note", ""),
            corrects=e.corrects,
        )
        for e in entries
    ]


async def drills(journal: SafetyJournal, safety: SafetyService, period: Period) -> list[Drill]:
    """Drills (and real events) started in the period, as `safety.drills.drill_record` puts them."""
    heads = await journal.entries(
        kinds=[EntryKind.DRILL_START], start=period.start.timestamp(), end=period.end.timestamp()
    )
    out = []
    for head in heads:
        section = safety.plan.section(head.subject)
        if section is None:  # a section since removed from the plan
            continue
        record = drill_record([head, *await journal.entries(drill=head.id)], section, safety.tz)
        out.append(
            Drill(
                id=record["id"],
                section=record["section"],
                section_name=record["section_name"],
                kind=record["kind"],
                started=datetime.fromisoformat(record["started"]),
                ended=datetime.fromisoformat(record["ended"]) if record["ended"] else None,
                duration_seconds=record["duration_seconds"],
                steps=record["summary"]["steps"],
                steps_signed=record["summary"]["steps_signed"],
                started_by=record["started_by"],
            )
        )
    return out
