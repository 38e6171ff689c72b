"""Grouping, waiting, repeats, resolutions and escalation: the `wait` stage, on explicit time.

Alerts of one route that share its `group_by` labels form a group (Alertmanager's `aggrGroup`). A
group's first firing alert starts `group_wait`; when it ends the group is told once with everything
new in it, so two alerts of one zone make one notice. While alerts stay firing and unacknowledged the
group is told again every `repeat`, and each `escalate` step is told once when an alert has been
firing unacknowledged for its `after`. An acknowledgement stops both; a resolution is told (after
the wait) when the route's `send_resolved` says so and the alert had been told. Like the engine, the
dispatcher does no I/O and takes time as an argument; `Notifier` turns its messages into deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.notify.route import Matched, match_routes
from alerts.state import AlertState, Transition
from config.notify import Route


@dataclass(frozen=True, slots=True)
class Message:
    """What one group has to say now, to `receivers`: the alerts firing and the alerts resolved."""

    group: str
    reason: str  # notify | repeat | escalate-1, escalate-2, …
    receivers: tuple[str, ...]
    firing: tuple[Transition, ...]
    resolved: tuple[Transition, ...]
    at: float

    @property
    def alerts(self) -> tuple[Transition, ...]:
        return (*self.firing, *self.resolved)


@dataclass(slots=True)
class _Alert:
    last: Transition
    since: float  # when it started firing
    told: bool = False
    acked: bool = False
    resolved: bool = False
    escalated: int = 0  # escalation steps done


@dataclass(slots=True)
class _Group:
    key: str
    matched: Matched
    alerts: dict[str, _Alert] = field(default_factory=dict)
    due: float | None = None  # when the current wait ends
    last_told: float | None = None

    @property
    def route(self) -> Route:
        return self.matched.route

    def wait(self, now: float) -> None:
        if self.due is None:
            self.due = now + self.route.group_wait

    def open(self) -> list[_Alert]:
        """Firing, unacknowledged alerts: the ones repeats and escalation are about."""
        return [a for a in self.alerts.values() if not a.acked and not a.resolved]


class Dispatcher:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes
        self._groups: dict[str, _Group] = {}

    def add(self, transition: Transition, labels: Mapping[str, str]) -> None:
        """Take one (non-muted) transition into the groups of every route it matches."""
        for matched in match_routes(self._routes, labels):
            key = _group_key(matched, labels)
            group = self._groups.get(key)
            if group is None:
                if transition.state is not AlertState.FIRING:
                    continue  # nothing told about it in this group: nothing to follow up
                group = self._groups[key] = _Group(key, matched)
            self._take(group, transition)

    def resume(self, transition: Transition, labels: Mapping[str, str], told: Mapping[str, float]) -> None:
        """Take up an alert that was firing, unacknowledged, before a restart (`transition` is its firing).

        `told`: when each kind of message about it was last queued (`NotifyQueue.told`). Told before, its
        repeats go on from the last message and the escalation steps already taken are not taken
        again; never told (the service stopped in between), it is told now, as new.
        """
        if not told:
            self.add(transition, labels)
            return
        steps = [int(r.removeprefix("escalate-")) for r in told if r.startswith("escalate-")]
        for matched in match_routes(self._routes, labels):
            key = _group_key(matched, labels)
            group = self._groups.setdefault(key, _Group(key, matched))
            group.alerts[transition.key] = _Alert(
                transition, transition.ts, told=True, escalated=max(steps, default=0)
            )
            group.last_told = max(group.last_told or 0.0, *told.values())

    @staticmethod
    def _take(group: _Group, t: Transition) -> None:
        alert = group.alerts.get(t.key)
        if t.state is AlertState.FIRING:
            if alert is None or alert.resolved:
                group.alerts[t.key] = _Alert(t, t.ts)
                group.wait(t.ts)
            else:
                alert.last = t
        elif alert is None:
            return
        elif t.state is AlertState.ACKNOWLEDGED:
            alert.last, alert.acked = t, True
        elif t.state is AlertState.RESOLVED:
            alert.last, alert.resolved = t, True
            if alert.told and group.route.send_resolved:
                group.wait(t.ts)
            else:
                del group.alerts[t.key]

    def flush(self, now: float) -> list[Message]:
        """The messages due at `now`; a group with nothing left to follow is forgotten."""
        messages: list[Message] = []
        for key, group in list(self._groups.items()):
            messages += self._due(group, now)
            if not group.alerts:
                del self._groups[key]
        return messages

    def _due(self, group: _Group, now: float) -> list[Message]:
        route, out = group.route, []
        if group.due is not None and now >= group.due:
            group.due = None
            fresh = [a for a in group.open() if not a.told] + [a for a in group.alerts.values() if a.resolved]
            if fresh:
                out.append(self._message(group, "notify", now))
        elif group.last_told is not None and now >= group.last_told + route.repeat and group.open():
            out.append(self._message(group, "repeat", now))
        for step, escalation in enumerate(route.escalate, start=1):
            late = [
                a
                for a in group.open()
                if a.told and a.escalated == step - 1 and now >= a.since + escalation.after
            ]
            if late:
                for alert in late:
                    alert.escalated = step
                out.append(
                    Message(
                        group.key,
                        f"escalate-{step}",
                        tuple(escalation.receivers),
                        tuple(a.last for a in late),
                        (),
                        now,
                    )
                )
        return out

    @staticmethod
    def _message(group: _Group, reason: str, now: float) -> Message:
        """The group's open alerts, those not told yet first (the notice's subject names the first), and its
        resolutions, to the route's receivers; resolved ones leave the group."""
        firing = sorted(group.open(), key=lambda a: a.told)  # stable: in order of firing within each part
        resolved = [a for a in group.alerts.values() if a.resolved]
        for alert in firing:
            alert.told = True
        for alert in resolved:
            del group.alerts[alert.last.key]
        group.last_told = now
        receivers = group.matched.receivers
        return Message(
            group.key, reason, receivers, tuple(a.last for a in firing), tuple(a.last for a in resolved), now
        )


def _group_key(matched: Matched, labels: Mapping[str, str]) -> str:
    return matched.path + "|" + ",".join(f"{k}={labels.get(k, '')}" for k in matched.route.group_by)
