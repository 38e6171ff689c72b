"""Open and overdue cases as alerts: two service checks per public zone and kind.

A case travels the alert path (`alerts.selfcheck`), as safety's overdue inspections do: while a zone
has an unanswered case of a kind, `feedback-open` fires (warning) and the notify routes tell the
duty phone, repeat and resolve it like any alert; once a case stays unanswered past
`feedback.escalate_after` (the deadline by default), `feedback-overdue` fires at critical severity,
which routes can send higher up. The checks are fixed when the service starts (zones × kinds), so
the engine restores their state across restarts like any other alert; a second complaint of the
same kind in the same zone joins the alert already firing, its note counting the cases.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from alerts import ServiceCheck
from config.models import Zone
from config.standards import Severity
from feedback.cases import Case, State
from feedback.kinds import KINDS, Kind

OPEN, OVERDUE = "feedback-open", "feedback-overdue"


def subject(zone: str, kind: Kind) -> str:
    return f"{zone}.{kind.value}"


def build_checks(
    zones: Sequence[Zone], cases: Callable[[], Iterable[Case]], escalate_at: float
) -> list[ServiceCheck]:
    """The checks of every public zone and kind, probing the open cases `cases()` returns."""
    out: list[ServiceCheck] = []
    for zone in (z for z in zones if z.public):
        for kind, info in KINDS.items():
            what = f"{zone.name} {info.zh}"
            out += [
                ServiceCheck(OPEN, subject(zone.id, kind), f"访客反馈待答复：{what} / visitor feedback open",
                             Severity.WARNING, partial(_open_note, cases, zone.id, kind)),
                ServiceCheck(OVERDUE, subject(zone.id, kind), f"访客反馈逾期未答复：{what} / feedback overdue",
                             Severity.CRITICAL, partial(_overdue_note, cases, zone.id, kind, escalate_at)),
            ]  # fmt: skip
    return out


def _unanswered(cases: Iterable[Case], zone: str, kind: Kind) -> list[Case]:
    return [
        c for c in cases if c.zone == zone and c.kind is kind and c.state in (State.OPEN, State.ACKNOWLEDGED)
    ]


def _note(found: list[Case]) -> str | None:
    if not found:
        return None
    ids = ", ".join(f"#{c.id}" for c in found)
    return f"{len(found)} 件未答复 / {len(found)} unanswered ({ids}): {found[0].summary}"


def _open_note(cases: Callable[[], Iterable[Case]], zone: str, kind: Kind) -> str | None:
    return _note(_unanswered(cases(), zone, kind))


def _overdue_note(cases: Callable[[], Iterable[Case]], zone: str, kind: Kind, after: float) -> str | None:
    now = time.time()
    return _note([c for c in _unanswered(cases(), zone, kind) if now - c.opened > after])
