"""The lobby kiosk's plain words: 优 / 良 / 超标 for each air-quality and lighting value of a public zone.

The limits are the alert engine's, for the zone's sensors of that quantity and today's season
(the opening-hours condition is ignored: a limit is the same limit before opening time). A value
is compared with every such limit and the worst rating wins:

- over a limit (above a maximum, below a minimum, outside a range) → 超标 / over;
- within 80 % of a limit → 良 / fair: above 0.8 × a maximum; below a minimum ÷ 0.8; for a range,
  farther from its middle than 80 % of its half-width;
- otherwise → 优 / good;
- no fresh good reading (stale, offline, bad) → 未知 / unknown; no limit applies → no rating.

The value rated is the mean of the zone's fresh readings of that quantity (for illuminance the
plain Eav of GB/T 5700). A zone's rating is the worst of its rated values, unknown when none is
known. Nothing else leaves this module: no sensor or device ids, no alerts, no people.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from statistics import fmean

from alerts.rules.bind import Binding, Kind
from api.context import ServiceContext
from api.schemas import KioskValue, KioskZone, Rating, ReadingPublic
from config.models import Zone
from config.standards import Statistic
from sensors import Quantity

AIR_AND_LIGHT = (
    Quantity.TEMPERATURE,
    Quantity.HUMIDITY,
    Quantity.CO2,
    Quantity.PM2_5,
    Quantity.PM10,
    Quantity.HCHO,
    Quantity.TVOC,
    Quantity.O3,
    Quantity.NO2,
    Quantity.SO2,
    Quantity.CO,
    Quantity.NH3,
    Quantity.BENZENE,
    Quantity.TOLUENE,
    Quantity.XYLENE,
    Quantity.RADON,
    Quantity.AIR_VELOCITY,
    Quantity.ILLUMINANCE,
)
FAIR_SHARE = 0.8
RATING_TEXT: dict[Rating | None, str] = {
    "good": "优 / good",
    "fair": "良 / fair",
    "over": "超标 / over the limit",
    "unknown": "未知 / unknown",
    None: "无限值 / no limit applies",
}
_ORDER: tuple[Rating, ...] = ("unknown", "good", "fair", "over")  # worst last
_RATED = {Statistic.MEAN, Statistic.LAST, Statistic.ZONE_MEAN, Statistic.ZONE_MIN}


def rate(value: float, low: float | None, high: float | None) -> Rating:
    """One value against one limit (a minimum, a maximum, or both: a range)."""
    if (high is not None and value > high) or (low is not None and value < low):
        return "over"
    if low is not None and high is not None:
        middle, half = (low + high) / 2, (high - low) / 2
        return "fair" if abs(value - middle) > FAIR_SHARE * half else "good"
    if high is not None and value > FAIR_SHARE * high:
        return "fair"
    if low is not None and value * FAIR_SHARE < low:
        return "fair"
    return "good"


def worst(ratings: Iterable[Rating]) -> Rating:
    return max(ratings, key=_ORDER.index, default="unknown")


def kiosk_zone(context: ServiceContext, zone: Zone, readings: Sequence[ReadingPublic]) -> KioskZone:
    """`zone` for the kiosk, from the latest readings of its sensors (as `reading_public` judged them)."""
    engine = context.alerts.engine
    now = time.time()
    limits = [
        b
        for b in engine.bindings.values()
        if b.kind is Kind.RULE
        and b.zone == zone.id
        and b.rule is not None
        and b.rule.statistic in _RATED
        and engine.in_season(b, now)
    ]
    present = {info.quantity for info in context.catalog.values() if info.zone == zone.id}
    values = [
        _value(
            quantity,
            [r for r in readings if r.quantity == quantity.value],
            [b for b in limits if b.rule and b.rule.quantity is quantity],
        )
        for quantity in AIR_AND_LIGHT
        if quantity in present  # a sensor that never answered is shown, as unknown
    ]
    rated = [v.rating for v in values if v.rating is not None and v.rating != "unknown"]
    rating = worst(rated) if rated else "unknown"
    times = [v.ts for v in values if v.ts is not None]
    return KioskZone(
        id=zone.id,
        name=zone.name,
        name_en=zone.name_en,
        rating=rating,
        rating_text=RATING_TEXT[rating],
        ts=max(times, default=None),
        values=values,
    )


def _value(quantity: Quantity, readings: list[ReadingPublic], limits: list[Binding]) -> KioskValue:
    fresh = [r for r in readings if r.quality == "good" and r.value is not None]
    value = fmean(r.value for r in fresh if r.value is not None) if fresh else None
    rating: Rating | None
    if not limits:
        rating = None
    elif value is None:
        rating = "unknown"
    else:
        rating = worst(rate(value, b.min, b.max) for b in limits)
    info = quantity.info
    return KioskValue(
        quantity=quantity.value,
        name_zh=info.name_zh,
        name_en=info.name_en,
        value=None if value is None else round(value, 3),
        unit=info.unit,
        rating=rating,
        rating_text=RATING_TEXT[rating],
        ts=max((r.ts for r in fresh), default=None),
    )
