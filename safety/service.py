"""The safety service: the checklist's live status and sign-offs, inspections on schedule, drills.

It owns the plan and the journal; live status comes from `safety.live`, the schedule and its alert
checks from `safety.inspections`, drill records from `safety.drills`. Every record carries the live
status at its moment, frozen as evidence, and none is ever changed: corrections are new entries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts import AlertEngine, ServiceCheck
from collectors import StatusBoard
from config.loader import Site
from config.standards import StandardSpec, load_standards
from safety.drills import DrillKind, drill_record
from safety.inspections import Inspections, Result, SafetyError, UnknownError
from safety.journal import Entry, EntryKind, SafetyJournal, effective
from safety.live import ItemStatus, LiveChecker, snapshot
from safety.plan import Item, Plan, Section, load_plan
from safety.tasks import build_tasks
from sensors.catalog import SensorInfo
from storage.base import Store

log = logging.getLogger("anjing.safety")

SIGN_RESULTS = (Result.OK, Result.PROBLEM, Result.VOID)


@dataclass(frozen=True, slots=True)
class _Parts:
    """What the service reads and writes once started."""

    journal: SafetyJournal
    readings: Store
    board: StatusBoard
    live: LiveChecker


@dataclass(frozen=True, slots=True)
class ItemView:
    section: Section
    item: Item
    status: ItemStatus
    signed: Entry | None  # the newest sign-off in force


class SafetyService:
    def __init__(
        self,
        site: Site,
        catalog: Mapping[str, SensorInfo],
        standards: Mapping[str, StandardSpec] | None = None,
    ) -> None:
        """Load and check the plan (ConfigError with file:line); nothing runs before `start`."""
        self.site, self.catalog = site, catalog
        standards = load_standards() if standards is None else standards
        self.plan: Plan = load_plan(site, standards)
        self.tz = site.config.site.tz
        tasks = {t.id: t for t in build_tasks(self.plan, site, standards)}
        self.inspections = Inspections(tasks, catalog, self.tz)
        self._active: dict[str, int] = {}  # section → its running drill
        self._parts: _Parts | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- life ---------------------------------------------------------------------------------------

    def checks(self) -> list[ServiceCheck]:
        """The inspections' reminder, overdue and failed checks, for the alert service to probe."""
        return self.inspections.checks()

    @property
    def _running(self) -> _Parts:
        if self._parts is None:
            raise RuntimeError("safety service is not started")
        return self._parts

    @property
    def journal(self) -> SafetyJournal:
        return self._running.journal

    async def start(self, path: Path, readings: Store, board: StatusBoard, engine: AlertEngine) -> None:
        """Open the journal in the site file `path`, take up the records, start the self-test loop."""
        live = LiveChecker(self.site, self.catalog, engine, self.plan)
        journal = await SafetyJournal.open(path)
        self._parts = _Parts(journal, readings, board, live)
        for section in self.plan.sections:
            for item in section.items:
                for check, sensors, _ in live.resolved(item):
                    if not sensors:
                        log.warning("检查项 %s 未匹配到传感器 / item %s: %s matches no sensor",
                                    item.id, item.id, check.select.model_dump(mode="json", exclude_defaults=True))  # fmt: skip
        await self.inspections.open(journal, readings)
        drills = await journal.entries(kinds=[EntryKind.DRILL_START, EntryKind.DRILL_END])
        ended = {e.drill for e in drills if e.kind is EntryKind.DRILL_END}
        self._active = {
            e.subject: e.id for e in drills if e.kind is EntryKind.DRILL_START and e.id not in ended
        }
        await self.inspections.take_self_tests()
        self._task = asyncio.create_task(self._loop(), name="anjing.safety")
        log.info("应急预案已载入 / emergency plan loaded: %d sections, %d tasks",
                 len(self.plan.sections), len(self.inspections.tasks))  # fmt: skip

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._parts is not None:
            await self._parts.journal.close()

    async def _loop(self) -> None:
        assert self.site.config.safety is not None
        while True:
            await asyncio.sleep(self.site.config.safety.tick)
            try:
                await self.inspections.take_self_tests()
            except Exception:  # the next tick tries again; a failing store must not end the loop
                log.exception("读取自检记录失败 / taking up self-test records failed")

    # --- the checklist ------------------------------------------------------------------------------

    async def checklist(self, section: str | None = None) -> list[ItemView]:
        """Every item (of one section) with its live status now and its last sign-off in force."""
        sections = [self._section(section)] if section else self.plan.sections
        items = [(s, i) for s in sections for i in s.items]
        statuses = await self._statuses([i for _, i in items])
        last = await self.last_signs()
        return [ItemView(s, i, statuses[i.id], last.get(i.id)) for s, i in items]

    async def last_signs(self) -> dict[str, Entry]:
        """Each item's newest sign-off in force (corrections applied, withdrawn ones dropped)."""
        signs = effective(await self.journal.entries(kinds=[EntryKind.SIGN]))
        return {e.subject: e for e in signs if e.data["result"] != Result.VOID}

    async def sign(
        self, item: str, actor: str, *, result: Result, note: str = "", corrects: int | None = None
    ) -> Entry:
        """Sign an item as checked, with its live status now frozen as evidence."""
        found = self.plan.item(item)
        if found is None:
            raise UnknownError(f"未知检查项 / unknown checklist item {item!r}")
        if result not in SIGN_RESULTS or (result is Result.VOID and corrects is None):
            raise SafetyError(f"签署结果无效 / result {result.value!r}: ok or problem (void only to correct)")
        section, entry = found
        status = (await self._statuses([entry]))[item]
        data = {"section": section.id, "result": result.value, "note": note, "evidence": status.to_json()}
        return await self.journal.append(EntryKind.SIGN, item, actor, data, corrects=corrects)

    async def checklist_history(self, *, start: float | None = None, end: float | None = None) -> list[Entry]:
        """Every sign-off recorded in [start, end), corrections included (compliance exports)."""
        return await self.journal.entries(kinds=[EntryKind.SIGN], start=start, end=end)

    async def _statuses(self, items: Sequence[Item]) -> dict[str, ItemStatus]:
        parts = self._running
        latest = {r.sensor: r for r in await parts.readings.latest(parts.live.sensors(items))}
        now = time.time()
        return {i.id: parts.live.evaluate(i, latest, parts.board, now) for i in items}

    def _section(self, ident: str) -> Section:
        section = self.plan.section(ident)
        if section is None:
            raise UnknownError(f"未知预案章节 / unknown plan section {ident!r}")
        return section

    # --- drills -------------------------------------------------------------------------------------

    async def start_drill(self, section: str, actor: str, *, kind: DrillKind, note: str = "") -> Entry:
        """Start a drill (or a real event) of `section`; one at a time per section."""
        found = self._section(section)
        async with self._lock:
            if section in self._active:
                raise SafetyError(
                    f"该章节已有演练进行中 / drill {self._active[section]} of {section!r} is running"
                )
            evidence = snapshot(list((await self._statuses(found.items)).values()))
            data = {"kind": kind.value, "note": note, "evidence": evidence}
            entry = await self.journal.append(EntryKind.DRILL_START, section, actor, data)
            self._active[section] = entry.id
        return entry

    async def drill_step(
        self, drill: int, step: str, actor: str, *, note: str = "", result: Result | None = None
    ) -> Entry:
        """Sign a step (or an item) of a running drill; every item's live status is frozen with it."""
        async with self._lock:  # not after the drill's end
            section = self._drill_section(drill)
            text = next((s.text for s in section.steps if s.id == step), None)
            text = text or next((i.text for i in section.items if i.id == step), None)
            if text is None:
                raise UnknownError(f"章节 {section.id} 无此步骤 / no step or item {step!r} in {section.id}")
            evidence = snapshot(list((await self._statuses(section.items)).values()))
            data = {
                "text": text,
                "note": note,
                "result": result.value if result else None,
                "evidence": evidence,
            }
            return await self.journal.append(EntryKind.DRILL_STEP, step, actor, data, drill=drill)

    async def end_drill(self, drill: int, actor: str, *, note: str = "") -> dict[str, Any]:
        """End a running drill; returns its record."""
        async with self._lock:
            section = self._drill_section(drill)
            evidence = snapshot(list((await self._statuses(section.items)).values()))
            await self.journal.append(
                EntryKind.DRILL_END, section.id, actor, {"note": note, "evidence": evidence}, drill=drill
            )
            self._active.pop(section.id, None)
        return await self.drill(drill)

    def _drill_section(self, drill: int) -> Section:
        section = next((s for s, d in self._active.items() if d == drill), None)
        if section is None:
            raise UnknownError(f"无进行中的演练 / no running drill {drill}")
        return self._section(section)

    async def drill(self, drill: int) -> dict[str, Any]:
        head = await self.journal.entry(drill)
        if head is None or head.kind is not EntryKind.DRILL_START:
            raise UnknownError(f"无此演练 / no drill {drill}")
        entries = await self.journal.entries(drill=drill)
        return drill_record([head, *entries], self._section(head.subject), self.tz)

    async def drills(self, *, start: float | None = None, end: float | None = None) -> list[dict[str, Any]]:
        """The records of every drill started in [start, end), oldest first (for the API and exports)."""
        heads = await self.journal.entries(kinds=[EntryKind.DRILL_START], start=start, end=end)
        out = []
        for head in heads:
            entries = await self.journal.entries(drill=head.id)
            section = self.plan.section(head.subject)
            if section is not None:  # a section since removed from the plan: its entries stay in the file
                out.append(drill_record([head, *entries], section, self.tz))
        return out

    @property
    def active_drills(self) -> dict[str, int]:
        """Running drills: section → drill id."""
        return dict(self._active)
