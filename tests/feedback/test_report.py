"""The compliance report's feedback figures over cases in a real SQLite file: by kind and zone, time to
answer, answered late, confirmed by the sensors or not; the month and zones narrow them."""

from __future__ import annotations

from pathlib import Path

from feedback import Case, CaseStore, Kind, State, record, summary

HOUR = 3600.0
MONTH = 1_790_000_000.0  # the start of the reporting period (any epoch second)
EVIDENCE = [{"quantity": "temperature", "value": 29.1, "breach": True}]


def case(opened: float, kind: Kind, zone: str, *, answered: float | None, confirmed: bool = False) -> Case:
    return Case(
        0, MONTH + opened, kind, zone, "", "13812345678", "kiosk",
        EVIDENCE if kind is not Kind.BLOCKED else [], "…", confirmed, MONTH + opened + 24 * HOUR,
        State.ANSWERED if answered is not None else State.OPEN,
        answered_at=None if answered is None else MONTH + opened + answered, answer="ok" if answered else None,
    )  # fmt: skip


async def test_the_month_in_figures(tmp_path: Path) -> None:
    store = await CaseStore.open(tmp_path / "site.db")
    try:
        for c in (
            case(1 * HOUR, Kind.HOT, "hall", answered=2 * HOUR, confirmed=True),
            case(2 * HOUR, Kind.HOT, "hall", answered=30 * HOUR, confirmed=True),  # late
            case(3 * HOUR, Kind.RESTROOM, "restroom", answered=4 * HOUR),
            case(4 * HOUR, Kind.BLOCKED, "hall", answered=None),  # unanswered, past its deadline
            case(-5 * HOUR, Kind.COLD, "hall", answered=1 * HOUR),  # the month before
            case(5 * HOUR, Kind.AIR, "office", answered=1 * HOUR),  # not a zone of this report
        ):
            await store.add(c)
        found = await store.find(start=MONTH, end=MONTH + 30 * 24 * HOUR, zones=["hall", "restroom"])
    finally:
        await store.close()
    figures = summary(found, now=MONTH + 30 * 24 * HOUR).to_json()
    assert figures == {
        "total": 4,
        "by_kind": {"hot": 2, "restroom": 1, "blocked": 1},
        "by_zone": {"hall": 3, "restroom": 1},
        "answered": 3,
        "median_answer": 4 * HOUR,
        "worst_answer": 30 * HOUR,
        "late": 2,
        "open": 4,
        "confirmed": 2,
        "unconfirmed": 1,
        "unmeasured": 1,
    }
    rows = [record(c, now=MONTH) for c in found]
    assert all("phone" not in row for row in rows)
    assert "13812345678" not in str(rows)
    assert [row["answered_late"] for row in sorted(rows, key=lambda r: r["opened"])] == [
        False,
        True,
        False,
        False,
    ]


def test_an_empty_month_has_no_answer_times() -> None:
    figures = summary([], now=MONTH)
    assert (figures.total, figures.median_answer, figures.worst_answer, figures.late) == (0, None, None, 0)
