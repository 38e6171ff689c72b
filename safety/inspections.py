"""Inspections and tests on a schedule: their records, due states, alert checks and self-test records.

Reminders and overdue alerts travel the alert path: every task has three service checks
(`alerts.selfcheck`) — due soon (info), overdue (warning) and failed (the task's severity) — which the
alert service probes on its tick, records and hands to the notifier like any alert. So a reminder is
routed, grouped, told once, repeated and resolved by the same rules as everything else, and silenced
like anything else. The probes read due states computed from the journal, the one source of truth:
no scheduler state of its own to persist, nothing to lose on a restart.

A controller's self-test records (days since the test, the measured discharge duration) become
records of the tasks that name them (`self_test:`), on the day the test ran.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from alerts import ServiceCheck
from config.standards import Severity
from safety.journal import Entry, EntryKind, SafetyJournal, effective
from safety.schedule import Due, DueState, due_state
from safety.tasks import Task
from sensors import Quality
from sensors.catalog import SensorInfo
from storage.base import Store

log = logging.getLogger("anjing.safety")

SELF_TEST_SLACK = 1  # days: a controller's day may turn at another time than ours; the same test
FUTURE_SLACK = 300.0  # seconds a `performed` time may lie ahead of ours (clocks differ)


class SafetyError(ValueError):
    """A request the plan or the records refuse (a drill already running, a measure missing)."""


class UnknownError(SafetyError):
    """No such item, task, section or drill."""


class Result(StrEnum):
    OK = "ok"  # sign-off: checked, as it should be
    PROBLEM = "problem"  # sign-off: checked, something is wrong
    PASS = "pass"  # inspection: done, passed
    FAIL = "fail"  # inspection: done, failed (also when a measure is outside its limit)
    VOID = "void"  # a correction that withdraws the entry it corrects


INSPECTION_RESULTS = (Result.PASS, Result.FAIL, Result.VOID)


@dataclass(frozen=True, slots=True)
class TaskDue:
    task: Task
    due: Due
    last: Entry | None  # the record that counts as the last time it was done


class Inspections:
    """The plan's tasks with their records in force; `open` takes them up from the journal."""

    def __init__(self, tasks: Mapping[str, Task], catalog: Mapping[str, SensorInfo], tz: ZoneInfo) -> None:
        self.tasks, self.catalog, self.tz = tasks, catalog, tz
        self._since: dict[str, float] = {}
        self._records: list[Entry] = []
        self._done: dict[str, list[Entry]] = {}  # per task, cached until its next record
        self._journal: SafetyJournal | None = None
        self._readings: Store | None = None
        self._lock = asyncio.Lock()

    def checks(self) -> list[ServiceCheck]:
        """Each task's reminder, overdue and failed checks, for the alert service to probe."""
        out: list[ServiceCheck] = []
        for task in self.tasks.values():
            name = task.name
            out += [
                ServiceCheck("safety-due", task.id, f"{name}：即将到期 / due soon", Severity.INFO,
                             partial(self._note, task, DueState.DUE_SOON)),
                ServiceCheck("safety-overdue", task.id, f"{name}：已逾期 / overdue", Severity.WARNING,
                             partial(self._note, task, DueState.OVERDUE)),
                ServiceCheck("safety-failed", task.id, f"{name}：不合格 / failed", task.spec.severity,
                             partial(self._failed, task)),
            ]  # fmt: skip
        return out

    async def open(self, journal: SafetyJournal, readings: Store) -> None:
        self._journal, self._readings = journal, readings
        self._since = await journal.schedule(list(self.tasks), time.time())
        self._records = await journal.entries(kinds=[EntryKind.INSPECTION])
        self._done.clear()

    @property
    def _parts(self) -> tuple[SafetyJournal, Store]:
        if self._journal is None or self._readings is None:
            raise RuntimeError("safety service is not started")
        return self._journal, self._readings

    # --- due dates and the alert checks -------------------------------------------------------------

    def due(self, now: float | None = None) -> list[TaskDue]:
        """Every task with its due date and state at `now`."""
        moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        return [self._due(task, moment) for task in self.tasks.values()]

    def _in_force(self, task: str) -> list[Entry]:
        """The task's records in force (corrections applied, withdrawn ones dropped), oldest performed
        first; cached until the task's next record, as the alert checks ask on every tick."""
        if task not in self._done:
            records = effective(e for e in self._records if e.subject == task)
            kept = [e for e in records if e.data["result"] != Result.VOID]
            self._done[task] = sorted(kept, key=lambda e: datetime.fromisoformat(e.data["performed"]))
        return self._done[task]

    def _due(self, task: Task, now: datetime) -> TaskDue:
        done = self._in_force(task.id)
        last = done[-1] if done else None
        since = self._since.get(task.id, now.timestamp())
        due = due_state(
            task.every,
            task.remind,
            self._date(last.data["performed"]) if last else None,
            scheduled=datetime.fromtimestamp(since, self.tz).date(),
            now=now,
            tz=self.tz,
        )
        return TaskDue(task, due, last)

    def _date(self, performed: str) -> date:
        return datetime.fromisoformat(performed).astimezone(self.tz).date()

    def _note(self, task: Task, state: DueState) -> str | None:
        if task.id not in self._since:
            return None  # not started yet
        due = self._due(task, datetime.now(UTC)).due
        if due.state is not state:
            return None
        last = due.last_done.isoformat() if due.last_done else "从未 / never"
        return f"应于 {due.due} 前完成，上次 {last} / due by {due.due}, last done {last}"

    def _failed(self, task: Task) -> str | None:
        done = self._in_force(task.id)
        if not done or done[-1].data["result"] != Result.FAIL:
            return None
        last = done[-1]
        values = ", ".join(f"{k} = {v:g}" for k, v in last.data["values"].items())
        limits = ", ".join(f"{lim.id} {lim.text}" for lim in task.limits)
        detail = f"{values}（限值 {limits}）/ {values} (limit {limits})" if limits else last.data["note"]
        return f"{self._date(last.data['performed'])} {last.actor}: {detail}".strip()

    # --- records ------------------------------------------------------------------------------------

    async def record(
        self,
        task: str,
        actor: str,
        *,
        result: Result,
        performed: datetime | None = None,
        values: Mapping[str, float] | None = None,
        note: str = "",
        corrects: int | None = None,
        device: str | None = None,
    ) -> Entry:
        """Record a task done (by a person, or by `device`'s self-test); a measure outside its limit makes
        it `fail` whatever was entered."""
        spec = self.tasks.get(task)
        if spec is None:
            raise UnknownError(f"未知检查任务 / unknown inspection task {task!r}")
        if result not in INSPECTION_RESULTS or (result is Result.VOID and corrects is None):
            raise SafetyError(f"结果无效 / result {result.value!r}: pass or fail (void only to correct)")
        when = performed or datetime.now(UTC)
        try:
            local = (when if when.tzinfo else when.replace(tzinfo=self.tz)).astimezone(self.tz)
            ahead = local.timestamp() - time.time()
        except (OverflowError, ValueError, OSError):  # year 1 or 9999 moved across an offset
            raise SafetyError(f"完成时间无效 / performed {when.isoformat()} is not a usable time") from None
        if ahead > FUTURE_SLACK:
            raise SafetyError("完成时间在未来 / performed lies in the future")
        values = dict(values or {})
        limits = {lim.id: lim for lim in spec.limits}
        unknown = sorted(set(values) - set(limits))
        missing = [k for k in limits if k not in values]
        if unknown or (missing and result is not Result.VOID):
            raise SafetyError(
                f"测量值不符 / measures: missing {missing or '-'}, unknown {unknown or '-'}; "
                f"this task records {', '.join(limits) or 'none'}"
            )
        if result is Result.PASS and any(limits[k].breached(v) for k, v in values.items()):
            result = Result.FAIL
        data: dict[str, Any] = {
            "task": task,
            "performed": local.isoformat(),
            "result": result.value,
            "values": values,
            "limits": {k: lim.text for k, lim in limits.items()},
            "note": note,
            "source": "manual" if device is None else "self-test",
            "device": device,
        }
        journal, _ = self._parts
        async with self._lock:
            entry = await journal.append(EntryKind.INSPECTION, task, actor, data, corrects=corrects)
            self._records.append(entry)
            self._done.pop(task, None)
        return entry

    async def records(
        self, *, task: str | None = None, start: float | None = None, end: float | None = None
    ) -> list[Entry]:
        """Records (corrections included) recorded in [start, end), for the API and compliance exports."""
        journal, _ = self._parts
        return await journal.entries(kinds=[EntryKind.INSPECTION], subject=task, start=start, end=end)

    # --- controller self-tests ----------------------------------------------------------------------

    async def take_self_tests(self) -> None:
        """Record each controller self-test not yet recorded: done `age` days before its reading."""
        _, readings = self._parts
        for task in self.tasks.values():
            quantity = task.spec.self_test
            if quantity is None:
                continue
            ages = [
                i.id
                for i in self.catalog.values()
                if i.quantity is quantity and (task.zone is None or task.zone.id == i.zone)
            ]
            for reading in await readings.latest(ages):
                if reading.quality is not Quality.GOOD or reading.value is None:
                    continue
                device = self.catalog[reading.sensor].device
                day = (reading.ts - timedelta(days=reading.value)).astimezone(self.tz)
                if not self._self_tested(task.id, device, day.date()):
                    await self._record_self_test(
                        task, device, day.replace(hour=0, minute=0, second=0, microsecond=0)
                    )

    def _self_tested(self, task: str, device: str, day: date) -> bool:
        """Whether `device`'s test of `day` is recorded (a withdrawn record included: not taken again)."""
        return any(
            e.data.get("device") == device
            and abs((self._date(e.data["performed"]) - day).days) <= SELF_TEST_SLACK
            for e in self._records
            if e.subject == task and e.data["source"] == "self-test"
        )

    async def _record_self_test(self, task: Task, device: str, performed: datetime) -> None:
        """The test with the task's measures read from the same device; later if they are unreadable."""
        _, readings = self._parts
        quantities = {m.id: m.quantity for m in task.spec.measures if m.quantity is not None}
        sensors = {i.quantity: i.id for i in self.catalog.values() if i.device == device}
        latest = {
            r.sensor: r
            for r in await readings.latest([sensors[q] for q in quantities.values() if q in sensors])
        }
        values: dict[str, float] = {}
        for measure, quantity in quantities.items():
            reading = latest.get(sensors.get(quantity, ""))
            if reading is not None and reading.quality is Quality.GOOD and reading.value is not None:
                values[measure] = reading.value
        if len(values) < len(task.limits):
            return
        entry = await self.record(
            task.id, f"{device} 自检 / self-test", result=Result.PASS, performed=performed, values=values,
            note="控制器自检记录 / the controller's own self-test record", device=device,
        )  # fmt: skip
        log.info("自检记录 / self-test recorded: %s by %s on %s (%s)", task.id, device, performed.date(),
                 entry.data["result"])  # fmt: skip
