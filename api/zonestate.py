"""A zone at a glance: its worst current state, its sensors' latest readings, its open alerts.

The state is the worst that holds, in this order (worst first):

- `alert`: an alert of the zone of severity critical is firing or acknowledged;
- `warning`: one of severity warning is firing or acknowledged, or any non-info alert is pending;
- `offline`: a device with sensors in the zone is offline on the StatusBoard;
- `unknown`: the zone has no sensor, or a sensor has no reading or only a stale, bad or
  out-of-range one;
- `ok`: none of the above.

Info alerts are counted but do not change the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts import AlertState
from api.context import ServiceContext
from api.routes.readings import reading_public
from api.schemas import AlertCounts, ReadingPublic
from api.schemas import ZoneStateName as ZoneState
from config.standards import Severity
from sensors.catalog import SensorInfo

ORDER: tuple[ZoneState, ...] = ("ok", "unknown", "offline", "warning", "alert")  # worst last
FIRING_STATE: dict[Severity, ZoneState] = {Severity.CRITICAL: "alert", Severity.WARNING: "warning"}


@dataclass(frozen=True, slots=True)
class ZoneSnapshot:
    zone: str
    state: ZoneState
    readings: list[ReadingPublic]
    alerts: AlertCounts
    devices_online: int
    devices_offline: int


def worst(states: Iterable[ZoneState]) -> ZoneState:
    return max(states, key=ORDER.index, default="ok")


async def snapshots(context: ServiceContext, zones: Sequence[str]) -> list[ZoneSnapshot]:
    """Each of `zones` (ids) now; one read of the store for all of them."""
    by_zone: dict[str, list[SensorInfo]] = {z: [] for z in zones}
    for info in context.catalog.values():
        if info.zone in by_zone:
            by_zone[info.zone].append(info)
    wanted = [info.id for infos in by_zone.values() for info in infos]
    now = datetime.now(UTC)
    latest = {
        r.sensor: reading_public(r, context.catalog.get(r.sensor), context, now)
        for r in await context.store.latest(wanted)
    }
    counts = _alert_counts(context)
    return [_snapshot(context, z, by_zone[z], latest, counts.get(z, {})) for z in zones]


def _snapshot(
    context: ServiceContext,
    zone: str,
    sensors: list[SensorInfo],
    latest: Mapping[str, ReadingPublic],
    alerts: Mapping[tuple[str, AlertState], int],
) -> ZoneSnapshot:
    readings = [latest[s.id] for s in sensors if s.id in latest]
    online = [context.board.get(d) for d in sorted({s.device for s in sensors})]
    offline = sum(1 for status in online if status is not None and status.online is False)
    states: list[ZoneState] = []
    if not sensors or len(readings) < len(sensors) or any(r.quality != "good" for r in readings):
        states.append("unknown")
    if offline:
        states.append("offline")
    for (severity, state), n in alerts.items():
        if n and state is AlertState.PENDING and severity != Severity.INFO:
            states.append("warning")
        elif n and state in (AlertState.FIRING, AlertState.ACKNOWLEDGED):
            states.append(FIRING_STATE.get(Severity(severity), "ok"))
    by_severity = {s.value: 0 for s in Severity}
    for (severity, _), n in alerts.items():
        by_severity[severity] += n
    return ZoneSnapshot(
        zone=zone,
        state=worst(states),
        readings=readings,
        alerts=AlertCounts(**by_severity),
        devices_online=sum(1 for status in online if status is not None and status.online),
        devices_offline=offline,
    )


def _alert_counts(context: ServiceContext) -> dict[str, dict[tuple[str, AlertState], int]]:
    """zone → (severity, state) → open (pending, firing, acknowledged) alerts."""
    out: dict[str, dict[tuple[str, AlertState], int]] = {}
    for binding, status in context.alerts.engine.shown():
        if binding.zone is None or not status.state.active:
            continue
        key = (binding.severity.value, status.state)
        zone = out.setdefault(binding.zone, {})
        zone[key] = zone.get(key, 0) + 1
    return out
