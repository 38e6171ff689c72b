"""The figures of the monthly compliance report's feedback section (specification 6.1).

`summary(cases, now=…)` over the cases of the month (`FeedbackService.cases(start, end, zones)`):
cases by kind and by zone, time to answer (median and worst, answered cases only), cases answered
late (after their deadline, or still unanswered past it), and how many the sensors confirmed. Phone
numbers never appear here: a report shows whether a visitor left one, not which.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any

from feedback.cases import Case


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    by_kind: dict[str, int]  # kind value (hot, cold, air …) → cases
    by_zone: dict[str, int]  # zone id → cases
    answered: int
    median_answer: float | None  # seconds from submission to answer, answered cases only
    worst_answer: float | None
    late: int  # answered after the deadline, or unanswered and past it at `now`
    open: int  # not closed at `now`
    confirmed: int  # sensors confirmed the complaint when it was made
    unconfirmed: int  # a related sensor existed and did not confirm it
    unmeasured: int  # no sensor bears on it (通道堵塞, 其他, or a zone without one)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def summary(cases: list[Case], *, now: float | None = None) -> Summary:
    now = time.time() if now is None else now
    waits = [c.answered_at - c.opened for c in cases if c.answered_at is not None]
    measured = [c for c in cases if c.evidence]
    return Summary(
        total=len(cases),
        by_kind=dict(Counter(c.kind.value for c in cases)),
        by_zone=dict(Counter(c.zone for c in cases)),
        answered=len(waits),
        median_answer=median(waits) if waits else None,
        worst_answer=max(waits, default=None),
        late=sum(c.late(now) for c in cases),
        open=sum(c.closed_at is None for c in cases),
        confirmed=sum(c.confirmed for c in cases),
        unconfirmed=sum(not c.confirmed for c in measured),
        unmeasured=len(cases) - len(measured),
    )


def record(case: Case, *, now: float | None = None) -> dict[str, Any]:
    """One case as an export row: everything but the phone number."""
    return {
        "id": case.id,
        "opened": case.opened,
        "kind": case.kind.value,
        "zone": case.zone,
        "source": case.source,
        "text": case.text,
        "summary": case.summary,
        "confirmed": case.confirmed,
        "deadline": case.deadline,
        "state": case.state.value,
        "acknowledged_by": case.acked_by,
        "acknowledged_at": case.acked_at,
        "answer": case.answer,
        "answered_by": case.answered_by,
        "answered_at": case.answered_at,
        "answered_late": case.late(time.time() if now is None else now),
        "closed_by": case.closed_by,
        "closed_at": case.closed_at,
    }
