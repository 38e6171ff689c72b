"""Alerts over the period from their recorded transitions: occurrences, faults, response times.

An occurrence runs from a transition to `firing` (from pending, inactive or resolved) to the next
`resolved`; its time to acknowledge is to the first `acknowledged` in between. Data going stale and
coming back (`unknown` and back) continues the occurrence. Answered late (specification 6.1): not
acknowledged within the site's `compliance.answer_within` — a warning or critical alert never
acknowledged counts as late once it stayed active that long. Info notices (reminders) are counted but
need no answer.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from alerts.notify.queue import NotifyQueue
from alerts.state import AlertState
from alerts.store import AlertStore
from compliance.model import AlertFigures, Fault, Occurrence, Period

ANSWERED = {"warning", "critical"}  # severities that need an answer
_STARTS = {AlertState.PENDING, AlertState.INACTIVE, AlertState.RESOLVED}
_ALL = 10_000_000  # history and log limits: every row of a period


@dataclass(slots=True)
class _Open:
    key: str
    name: str
    severity: str
    zone: str | None
    fired: float
    acked: float | None = None
    acked_by: str | None = None
    resolved: float | None = None


def occurrences(events: Sequence[dict[str, Any]], *, begun: Collection[dict[str, Any]] = ()) -> list[_Open]:
    """Occurrences from transitions (oldest first); `begun`: the last transition before the period of
    alerts to carry in when still active then (faults open at the period's start)."""
    current: dict[str, _Open] = {}
    done: list[_Open] = []
    for event in begun:
        if AlertState(event["state"]).active:
            current[event["key"]] = _start(event)
    for event in events:
        state, key = AlertState(event["state"]), event["key"]
        found = current.get(key)
        if state is AlertState.FIRING and (found is None or AlertState(event["previous"]) in _STARTS):
            if found is not None:
                done.append(found)
            current[key] = _start(event)
        elif state is AlertState.ACKNOWLEDGED and found is not None and found.acked is None:
            found.acked, found.acked_by = event["ts"], event.get("user")
        elif state is AlertState.RESOLVED and found is not None:
            found.resolved = event["ts"]
            done.append(current.pop(key))
    return sorted([*done, *current.values()], key=lambda o: (o.fired, o.key))


def _start(event: dict[str, Any]) -> _Open:
    return _Open(event["key"], event["name"], event["severity"], event.get("zone"), event["ts"])


async def period_events(store: AlertStore, period: Period) -> list[dict[str, Any]]:
    rows = await store.history(start=period.start.timestamp(), end=period.end.timestamp(), limit=_ALL)
    return rows[::-1]  # oldest first


async def faults(
    store: AlertStore, keys: Collection[str], events: Sequence[dict[str, Any]], period: Period
) -> list[Fault]:
    """The fault alerts `keys` over the period, those already active at its start included."""
    begun = []
    for key in sorted(keys):
        before = await store.history(end=period.start.timestamp(), key=key, limit=1)
        begun.extend(before)
    tz = period.start.tzinfo
    start, end = period.start.timestamp(), period.end.timestamp()
    found = occurrences([e for e in events if e["key"] in keys], begun=begun)
    return [
        Fault(
            key=o.key,
            name=o.name,
            subject=o.key.rpartition("@")[2],
            zone=o.zone,
            started=_time(max(o.fired, start), tz),
            ended=None if o.resolved is None else _time(o.resolved, tz),
            duration_seconds=round((o.resolved or end) - max(o.fired, start), 3),
            acknowledged_by=o.acked_by,
        )
        for o in found
    ]


def alert_figures(
    events: Sequence[dict[str, Any]], period: Period, zones: Collection[str], answer_within: float
) -> tuple[AlertFigures, list[Occurrence]]:
    """Occurrences fired in the period in `zones` (and site-wide ones), and their figures."""
    tz = period.start.tzinfo
    end = period.end.timestamp()
    found = [o for o in occurrences(events) if o.zone is None or o.zone in zones]
    rows = []
    for o in found:
        answered_in = (o.acked if o.acked is not None else (o.resolved or end)) - o.fired
        rows.append(
            Occurrence(
                key=o.key,
                name=o.name,
                severity=o.severity,
                zone=o.zone,
                fired=_time(o.fired, tz),
                acknowledged=None if o.acked is None else _time(o.acked, tz),
                acknowledged_by=o.acked_by,
                resolved=None if o.resolved is None else _time(o.resolved, tz),
                ack_seconds=None if o.acked is None else round(o.acked - o.fired, 3),
                resolve_seconds=None if o.resolved is None else round(o.resolved - o.fired, 3),
                late=o.severity in ANSWERED and answered_in > answer_within,
            )
        )
    answered = [r for r in rows if r.severity in ANSWERED]
    acks = [r.ack_seconds for r in answered if r.ack_seconds is not None]
    fixes = [r.resolve_seconds for r in answered if r.resolve_seconds is not None]
    by_severity: dict[str, int] = {}
    for r in rows:
        by_severity[r.severity] = by_severity.get(r.severity, 0) + 1
    figures = AlertFigures(
        answer_within_seconds=answer_within,
        by_severity=by_severity,
        fired=len(rows),
        acknowledged=sum(r.acknowledged is not None for r in rows),
        resolved=sum(r.resolved is not None for r in rows),
        open_at_end=sum(r.resolved is None for r in rows),
        ack_median_seconds=statistics.median(acks) if acks else None,
        ack_worst_seconds=max(acks, default=None),
        resolve_median_seconds=statistics.median(fixes) if fixes else None,
        resolve_worst_seconds=max(fixes, default=None),
        late=sum(r.late for r in rows),
        notifications_sent=0,
        notifications_failed=0,
        sent_by_channel={},
    )
    return figures, rows


async def with_deliveries(figures: AlertFigures, queue: NotifyQueue | None, period: Period) -> AlertFigures:
    """`figures` with the notifications attempted in the period (the delivery log)."""
    if queue is None:
        return figures
    start, end = period.start.timestamp(), period.end.timestamp()
    log = [row for row in await queue.log(since=start, limit=_ALL) if row["ts"] < end]
    sent = [row for row in log if row["outcome"] == "sent"]
    channels: dict[str, int] = {}
    for row in sent:
        channels[row["channel"]] = channels.get(row["channel"], 0) + 1
    return figures.model_copy(
        update={
            "notifications_sent": len(sent),
            "notifications_failed": sum(row["outcome"] == "failed" for row in log),
            "sent_by_channel": channels,
        }
    )


def _time(ts: float, tz: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(ts, tz)
