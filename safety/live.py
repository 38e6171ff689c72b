"""A live checklist item's status from live state: ok, problem (naming what is wrong), or unknown.

A sensor check reads each selected sensor's newest stored reading: a sensor with no reading, a bad or
stale one, or whose device the status board has as offline is *unknown*, and so is a check whose
selector matches nothing — an item is never ok on missing evidence. A rule check reads the alert
engine's binding states (`rule@subject`): pending, firing or acknowledged is a problem; unknown, stale
sensors or a window not yet filled is unknown. Problems outrank unknowns, which outrank ok.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from alerts import AlertEngine, AlertState
from alerts.rules.bind import Binding, Kind
from collectors import StatusBoard
from config.loader import Site
from config.standards import Statistic
from safety.plan import Expect, Item, LiveCheck, Plan, Selector
from safety.schedule import is_underground
from sensors import Quality, Reading
from sensors.catalog import SensorInfo


class LiveState(StrEnum):
    OK = "ok"
    PROBLEM = "problem"
    UNKNOWN = "unknown"
    MANUAL = "manual"  # no live check: someone checks and signs


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensor or alert that makes an item a problem or unknown, with what it shows."""

    subject: str  # a sensor id, or an alert key
    device: str | None
    zone: str | None
    name: str
    reason: str  # 中文 / English
    value: float | None = None
    state: str | None = None
    expected: str = ""


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: str
    status: LiveState
    checked: int  # sensors and alert bindings looked at
    problems: tuple[Finding, ...] = ()
    unknown: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "status": self.status.value,
            "checked": self.checked,
            "problems": [asdict(f) for f in self.problems],
            "unknown": [asdict(f) for f in self.unknown],
        }


def _zones(site: Site, select: Selector) -> set[str] | None:
    """The zones a selector allows, or None when it says nothing about zones."""
    if not (
        select.zones
        or select.room_kinds
        or select.evacuation_route is not None
        or select.underground is not None
    ):
        return None
    return {
        z.id
        for z in site.config.zones
        if (not select.zones or z.id in select.zones)
        and (not select.room_kinds or z.kind in select.room_kinds)
        and (select.evacuation_route is None or z.evacuation_route == select.evacuation_route)
        and (select.underground is None or is_underground(z) == select.underground)
    }


def _picked(
    select: Selector, zones: set[str] | None, zone: str | None, sensors: Iterable[SensorInfo]
) -> bool:
    """Whether a sensor (or a binding, through its sensors) in `zone` passes the selector."""
    infos = list(sensors)
    if zones is not None and zone not in zones:
        return False
    if select.devices and not any(i.device in select.devices for i in infos):
        return False
    return not select.sensors or any(fnmatch.fnmatchcase(i.id, p) for i in infos for p in select.sensors)


def select_sensors(site: Site, catalog: Mapping[str, SensorInfo], select: Selector) -> list[SensorInfo]:
    """The sensors a sensor check watches, in catalog order."""
    zones = _zones(site, select)
    return [
        info
        for info in catalog.values()
        if info.quantity in select.quantity and _picked(select, zones, info.zone, [info])
    ]


def select_bindings(
    site: Site, catalog: Mapping[str, SensorInfo], bindings: Iterable[Binding], select: Selector
) -> list[Binding]:
    """The alert bindings of a rule check: the rule's bindings whose zone and sensors pass the selector."""
    zones = _zones(site, select)
    return [
        b
        for b in bindings
        if b.kind is Kind.RULE
        and b.rule_id == select.rule
        and _picked(select, zones, b.zone, (catalog[s] for s in b.sensors))
    ]


class LiveChecker:
    """Every live check of a plan resolved once to its sensors and bindings, evaluated on demand."""

    def __init__(
        self, site: Site, catalog: Mapping[str, SensorInfo], engine: AlertEngine, plan: Plan
    ) -> None:
        self.catalog, self.engine = catalog, engine
        self._resolved: dict[tuple[str, int], tuple[list[SensorInfo], list[Binding]]] = {}
        for section in plan.sections:
            for item in section.items:
                for k, check in enumerate(item.live):
                    if check.select.rule is None:
                        self._resolved[item.id, k] = (select_sensors(site, catalog, check.select), [])
                    else:
                        bindings = select_bindings(site, catalog, engine.bindings.values(), check.select)
                        sensors = [catalog[s] for b in bindings for s in b.sensors]
                        self._resolved[item.id, k] = (sensors, bindings)

    def resolved(self, item: Item) -> list[tuple[LiveCheck, list[SensorInfo], list[Binding]]]:
        """Each live check of `item` with the sensors and alert bindings it watches."""
        return [(check, *self._resolved[item.id, k]) for k, check in enumerate(item.live)]

    def sensors(self, items: Iterable[Item]) -> set[str]:
        """The sensor ids `items` read, to fetch their newest readings in one call."""
        return {info.id for item in items for _, sensors, _ in self.resolved(item) for info in sensors}

    def evaluate(
        self, item: Item, latest: Mapping[str, Reading], board: StatusBoard, now: float
    ) -> ItemStatus:
        if not item.live:
            return ItemStatus(item.id, LiveState.MANUAL, 0)
        findings: list[tuple[LiveState, Finding]] = []
        checked = 0
        for check, sensors, bindings in self.resolved(item):
            if check.select.rule is not None:
                checked += len(bindings)
                for binding in bindings:
                    whys = [_unusable(self.catalog[s], latest.get(s), board, now) for s in binding.sensors]
                    findings.extend(self._binding(binding, next((w for w in whys if w), None)))
            else:
                checked += len(sensors)
                assert check.expect is not None
                for info in sensors:
                    reading = latest.get(info.id)
                    why = _unusable(info, reading, board, now)
                    findings.extend(self._sensor(info, check.expect, reading, why))
        if checked == 0:
            missing = Finding(item.id, None, None, item.text, "未匹配到传感器 / no sensor matched")
            findings.append((LiveState.UNKNOWN, missing))
        problems = tuple(f for state, f in findings if state is LiveState.PROBLEM)
        unknown = tuple(f for state, f in findings if state is LiveState.UNKNOWN)
        status = LiveState.PROBLEM if problems else LiveState.UNKNOWN if unknown else LiveState.OK
        return ItemStatus(item.id, status, checked, problems, unknown)

    @staticmethod
    def _sensor(
        info: SensorInfo, expect: Expect, reading: Reading | None, why: str | None
    ) -> list[tuple[LiveState, Finding]]:
        found = Finding(
            info.id, info.device, info.zone, info.name, why or "", expected=_expected(expect, info)
        )
        if why is not None or reading is None:
            return [(LiveState.UNKNOWN, found)]
        if expect.states:
            label = reading.state or _label(info, reading.value)
            if label in expect.states:
                return []
            return [(LiveState.PROBLEM, _with(found, f"状态 {label} / state {label}", state=label))]
        value = reading.value
        assert value is not None  # a good reading of a measurement has one
        if (expect.min is not None and value < expect.min) or (expect.max is not None and value > expect.max):
            return [(LiveState.PROBLEM, _with(found, "超出范围 / out of range", value=value))]
        return []

    def _binding(self, binding: Binding, why: str | None) -> list[tuple[LiveState, Finding]]:
        device = self.catalog[binding.sensors[0]].device if len(binding.sensors) == 1 else None
        if binding.key not in self.engine.bindings:  # a config reload removed it; the plan runs as started
            gone = Finding(binding.key, device, binding.zone, binding.name, "告警已不存在，需重启 / alert "
                           "no longer defined: restart to apply the plan", expected=binding.limit_text)  # fmt: skip
            return [(LiveState.UNKNOWN, gone)]
        status = self.engine.status(binding.key)
        found = Finding(
            binding.key,
            device,
            binding.zone,
            binding.name,
            "",
            value=status.value,
            expected=binding.limit_text,
        )
        if status.state.active:
            return [
                (LiveState.PROBLEM, _with(found, f"告警{status.state.value} / alert {status.state.value}"))
            ]
        if status.state is AlertState.UNKNOWN or why is not None:
            return [(LiveState.UNKNOWN, _with(found, why or "告警状态未知 / alert state unknown"))]
        rule = binding.rule
        if status.value is None and rule is not None and rule.statistic is not Statistic.STATE:
            return [(LiveState.UNKNOWN, _with(found, "窗口数据不足 / not enough data in the window yet"))]
        return []


def _with(finding: Finding, reason: str, **values: Any) -> Finding:
    return Finding(**{**asdict(finding), "reason": reason, **values})


def _unusable(info: SensorInfo, reading: Reading | None, board: StatusBoard, now: float) -> str | None:
    """Why a sensor's newest reading cannot be trusted now, or None when it can."""
    if reading is None:
        return "无读数 / no reading"
    device = board.get(info.device)
    if device is not None and device.online is False:
        return "设备离线 / device offline"
    if reading.quality is not Quality.GOOD or reading.value is None:
        return f"读数无效 / reading {reading.quality.value}"
    if now - reading.ts.timestamp() > info.stale_after:
        return "数据过期 / stale"
    return None


def _label(info: SensorInfo, value: float | None) -> str | None:
    states = info.quantity.info.states
    return states[int(value)] if value is not None and 0 <= int(value) < len(states) else None


def _expected(expect: Expect, info: SensorInfo) -> str:
    if expect.states:
        return " / ".join(expect.states)
    unit = f" {info.unit}" if info.unit else ""
    if expect.min is not None and expect.max is not None:
        return f"{expect.min:g}–{expect.max:g}{unit}"
    return f"≥ {expect.min:g}{unit}" if expect.min is not None else f"≤ {expect.max:g}{unit}"


def snapshot(statuses: Sequence[ItemStatus]) -> list[dict[str, Any]]:
    """Statuses as evidence: plain JSON, frozen into a sign-off or a drill's timeline."""
    return [s.to_json() for s in statuses]
