"""What the sensors said when a visitor complained: the zone's fresh readings of the quantities that
bear on the complaint, against the alert engine's limits for that zone, frozen into the case.

A complaint is *confirmed* when a value breaches one of those limits in the complaint's direction
(太热: above a maximum; 太冷 and 太暗: below a minimum; air and odour: either) or when an alert of
those limits is firing (a one-hour mean can be over while the instant value is not).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from alerts import AlertEngine, AlertState
from alerts.rules.bind import Binding
from alerts.rules.bind import Kind as BindingKind
from feedback.kinds import KINDS, Kind
from sensors import Quality, Quantity, Reading
from sensors.catalog import SensorInfo

_FIRING = {AlertState.FIRING, AlertState.ACKNOWLEDGED}


@dataclass(frozen=True, slots=True)
class Evidence:
    items: list[dict[str, Any]]  # per quantity: value, unit, limits, breach, firing alerts
    confirmed: bool

    def sentence(self, kind: Kind, zone: str, opened: float, tz: ZoneInfo) -> str:
        """`访客 10:42 反映 太热；服务大厅 温度 29.1 °C，高于 28 °C — 传感器证实 / …`"""
        info = KINDS[kind]
        at = datetime.fromtimestamp(opened, tz).strftime("%H:%M")
        facts = [_fact(item) for item in self.items] or ["无相关传感器 / no sensor for this"]
        verdict = (
            "传感器证实 / sensors confirm" if self.confirmed else "传感器未证实 / sensors do not confirm"
        )
        if not info.quantities:
            verdict = "需现场查看 / needs a look on site"
        return f"访客 {at} 反映 {info.zh} / visitor reported {info.en} at {at}; {zone}: {'; '.join(facts)} — {verdict}"


def sensors_for(catalog: Mapping[str, SensorInfo], zone: str, kind: Kind) -> list[str]:
    wanted = KINDS[kind].quantities
    return [i.id for i in catalog.values() if i.zone == zone and i.quantity in wanted]


def gather(
    engine: AlertEngine,
    catalog: Mapping[str, SensorInfo],
    zone: str,
    kind: Kind,
    latest: Sequence[Reading],
    *,
    now: float | None = None,
) -> Evidence:
    """The evidence for `kind` in `zone` from `latest` (the zone's readings, as the store has them)."""
    now = time.time() if now is None else now
    info = KINDS[kind]
    limits = [
        b
        for b in engine.bindings.values()
        if b.kind is BindingKind.RULE
        and b.zone == zone
        and b.rule is not None
        and b.rule.quantity in info.quantities
        and engine.in_season(b, now)
    ]
    items, confirmed = [], False
    for quantity in info.quantities:
        fresh = [
            r.value
            for r in latest
            if r.quantity is quantity
            and r.quality is Quality.GOOD
            and r.value is not None
            and r.sensor in catalog
            and now - r.ts.timestamp() <= catalog[r.sensor].stale_after
        ]
        mine = [b for b in limits if b.rule is not None and b.rule.quantity is quantity]
        if not fresh and not mine:
            continue
        value = round(fmean(fresh), 3) if fresh else None
        breach = value is not None and any(_breach(value, b, info.direction) for b in mine)
        firing = sorted(b.key for b in mine if engine.status(b.key).state in _FIRING)
        confirmed = confirmed or breach or bool(firing)
        items.append(_item(quantity, value, mine, breach, firing))
    return Evidence(items, confirmed)


def _breach(value: float, binding: Binding, direction: str) -> bool:
    high = binding.max is not None and value > binding.max
    low = binding.min is not None and value < binding.min
    return {"high": high, "low": low}.get(direction, high or low)


def _item(
    quantity: Quantity, value: float | None, limits: list[Binding], breach: bool, firing: list[str]
) -> dict[str, Any]:
    info = quantity.info
    highs = [b.max for b in limits if b.max is not None]
    lows = [b.min for b in limits if b.min is not None]
    return {
        "quantity": quantity.value,
        "name": f"{info.name_zh} / {info.name_en}",
        "value": value,
        "unit": info.unit,
        "max": min(highs, default=None),  # the tightest limits that apply
        "min": max(lows, default=None),
        "breach": breach,
        "alerts": firing,
    }


def _fact(item: dict[str, Any]) -> str:
    name, unit = item["name"].split(" / ")[0], item["unit"]
    if item["value"] is None:
        return f"{name} 无读数 / no reading"
    text = f"{name} {item['value']:g} {unit}"
    if item["max"] is not None and item["value"] > item["max"]:
        text += f"，高于 / above {item['max']:g} {unit}"
    elif item["min"] is not None and item["value"] < item["min"]:
        text += f"，低于 / below {item['min']:g} {unit}"
    if item["alerts"]:
        text += "，告警中 / alert firing"
    return text
