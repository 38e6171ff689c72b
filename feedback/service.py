"""The feedback service: visitors' submissions become cases with evidence, tracked until answered.

It owns the case table and the public rate limit; evidence comes from `feedback.evidence`, the alerts
from `feedback.checks` (probed by the alert service on its tick, so open and overdue cases reach the
duty phone through the notify routes like any alert). An answer is texted back to a visitor who left
a number when `feedback.reply_channel` names an SMS channel; the number is purged when the case closes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import TypeAdapter

from alerts import AlertEngine, ServiceCheck
from alerts.channels import Channel, ChannelConfig, Notice, build_channel
from config.loader import Site
from config.models import Zone
from feedback.cases import Case, CaseStore, State
from feedback.checks import build_checks
from feedback.evidence import gather, sensors_for
from feedback.kinds import KINDS, Kind
from feedback.limiter import Limiter
from feedback.phone import masked, mobile
from sensors.catalog import SensorInfo
from storage.base import Store

log = logging.getLogger("anjing.feedback")


class FeedbackError(ValueError):
    """A submission or a change the rules refuse (unknown zone, bad phone, closed case)."""


class UnknownCase(FeedbackError):
    """No case with that id."""


@dataclass(frozen=True, slots=True)
class _Parts:
    cases: CaseStore
    readings: Store
    engine: AlertEngine
    reply: Channel | None


class FeedbackService:
    def __init__(self, site: Site, catalog: Mapping[str, SensorInfo]) -> None:
        """Nothing runs before `start`; `checks()` is ready at once for the alert engine to be built with."""
        config = site.config.feedback
        if config is None:
            raise ValueError("feedback: is not configured")
        self.site, self.catalog, self.config = site, catalog, config
        self.limiter = Limiter(config.per_screen, config.per_hour)
        self._open: dict[int, Case] = {}  # what the alert checks probe: every case not closed
        self._parts: _Parts | None = None
        self._lock = asyncio.Lock()

    @property
    def zones(self) -> list[Zone]:
        """The zones a visitor can report about: the public ones."""
        return [z for z in self.site.config.zones if z.public]

    def checks(self) -> list[ServiceCheck]:
        return build_checks(self.zones, lambda: list(self._open.values()), self.config.escalate_at)

    @property
    def _running(self) -> _Parts:
        if self._parts is None:
            raise RuntimeError("feedback service is not started")
        return self._parts

    async def start(self, path: Path, readings: Store, engine: AlertEngine) -> None:
        """Open the case table in the site file `path` and take up the cases still open."""
        cases = await CaseStore.open(path)
        self._parts = _Parts(cases, readings, engine, self._reply_channel())
        self._open = {c.id: c for c in await cases.find(open_only=True)}
        log.info("访客反馈已启动 / feedback started: %d open cases", len(self._open))

    def _reply_channel(self) -> Channel | None:
        notify, ident = self.site.config.notify, self.config.reply_channel
        if notify is None or ident is None:
            return None
        raw = next(c for c in notify.channels if c.get("id") == ident)  # checked at load time
        adapter: TypeAdapter[ChannelConfig] = TypeAdapter(ChannelConfig)
        return build_channel(adapter.validate_python(raw))

    async def stop(self) -> None:
        if self._parts is not None:
            if self._parts.reply is not None:
                await self._parts.reply.aclose()
            await self._parts.cases.close()

    # --- submissions --------------------------------------------------------------------------------

    async def submit(
        self, kind: Kind, zone: str, *, text: str = "", phone: str = "", source: str = "kiosk"
    ) -> Case:
        """A new case with the zone's readings as evidence (the caller applies the rate limit)."""
        found = next((z for z in self.zones if z.id == zone), None)
        if found is None:
            names = ", ".join(z.id for z in self.zones) or "(none)"
            raise FeedbackError(f"未知或非公共区域 / unknown or non-public zone {zone!r}; valid: {names}")
        text = text.strip()
        if len(text) > self.config.text_max:
            raise FeedbackError(f"留言过长 / the text is longer than {self.config.text_max} characters")
        number = mobile(phone) if phone.strip() else None  # PhoneError is a ValueError the caller shows
        parts, now = self._running, time.time()
        latest = await parts.readings.latest(sensors_for(self.catalog, zone, kind))
        evidence = gather(parts.engine, self.catalog, zone, kind, latest, now=now)
        summary = evidence.sentence(kind, found.name, now, self.site.config.site.tz)
        if text:
            summary += f"; 留言 / note: {text}"
        draft = Case(0, now, kind, zone, text, number, source, evidence.items, summary, evidence.confirmed,
                     now + self.config.answer_within, State.OPEN)  # fmt: skip
        case = await parts.cases.add(draft)
        self._open[case.id] = case
        log.info("访客反馈 / feedback #%d: %s %s", case.id, zone, KINDS[kind].en)
        return case

    # --- handling -----------------------------------------------------------------------------------

    async def case(self, ident: int) -> Case:
        found = await self._running.cases.get(ident)
        if found is None:
            raise UnknownCase(f"无此反馈 / no feedback case {ident}")
        return found

    async def cases(
        self, start: float | None = None, end: float | None = None, zones: Sequence[str] = ()
    ) -> list[Case]:
        """Cases opened in [start, end) of `zones` (all when empty): open ones first, then newest first."""
        found = await self._running.cases.find(start=start, end=end, zones=zones)
        return sorted(found, key=lambda c: (c.state is State.CLOSED, -c.opened))

    async def acknowledge(self, ident: int, user: str) -> Case:
        async with self._lock:
            case = await self._changeable(ident, State.OPEN)
            return await self._save(
                replace(case, state=State.ACKNOWLEDGED, acked_by=user, acked_at=time.time())
            )

    async def answer(self, ident: int, user: str, answer: str) -> Case:
        """Record the answer and text it to the visitor when they left a number and the site allows it."""
        if not answer.strip():
            raise FeedbackError("答复不能为空 / the answer is empty")
        async with self._lock:
            case = await self._changeable(ident, State.OPEN, State.ACKNOWLEDGED)
            now = time.time()
            case = replace(case, state=State.ANSWERED, answer=answer.strip(), answered_by=user, answered_at=now,
                           acked_by=case.acked_by or user, acked_at=case.acked_at or now)  # fmt: skip
            return await self._save(replace(case, reply=await self._text(case)))

    async def close(self, ident: int, user: str, note: str = "") -> Case:
        """Close a case (answered or not); its phone number is purged from the file."""
        async with self._lock:
            case = await self._changeable(ident, State.OPEN, State.ACKNOWLEDGED, State.ANSWERED)
            closed = replace(
                case, state=State.CLOSED, closed_by=user, closed_at=time.time(), note=note, phone=None
            )
            return await self._save(closed)

    async def _changeable(self, ident: int, *states: State) -> Case:
        case = await self.case(ident)
        if case.state not in states:
            raise FeedbackError(
                f"反馈 #{ident} 状态为 {case.state.value} / case {ident} is {case.state.value}"
            )
        return case

    async def _save(self, case: Case) -> Case:
        await self._running.cases.save(case)
        if case.state is State.CLOSED:
            self._open.pop(case.id, None)
        else:
            self._open[case.id] = case
        return case

    async def _text(self, case: Case) -> str | None:
        """Send the answer to the visitor's phone; what the channel said (None when nothing was sent)."""
        channel = self._running.reply
        if channel is None or case.phone is None or case.answer is None:
            return None
        zone = next((z.name for z in self.zones if z.id == case.zone), case.zone)
        notice = Notice(
            receiver="visitor",
            subject=f"【答复】{zone} {KINDS[case.kind].zh}",
            body=case.answer,
            severity="info",
            alert_keys=(),
            link="",
            addresses=(case.phone,),
            params={"zone": zone, "kind": KINDS[case.kind].zh, "answer": case.answer},
        )
        delivery = await channel.send(notice)
        log.info("答复短信 / reply SMS for #%d to %s: %s", case.id, masked(case.phone), delivery.answer)
        return ("ok: " if delivery.ok else "failed: ") + delivery.answer
