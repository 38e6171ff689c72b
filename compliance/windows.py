"""Per zone and limit: windows laid on the period, their data time, values, compliance and episodes.

Windows are clock-aligned from local midnight, the way GB/T 18883 Annex A states its means: a 1-hour
mean per clock hour, a 24-hour mean per calendar day, an 8-hour mean per block 00–08, 08–16, 16–24
(blocks, not sliding: each hour counts once), and any window dividing a day the same way. A window
longer than a day (radon's annual mean) is the whole period. A window counts when its data time —
clock minutes holding a good reading — reaches the rule's `min_coverage` of its length, the
standard's minimum sampling time (45 min of an hour, 6 h of 8 h, 18 h of a day). The means are
computed in SQLite (`SqliteStore.windows`); Python sees one row per window. Windows have fixed lengths
from the period's first local midnight, so in a timezone with daylight saving (not China's) calendar
days after a change would be off by the hour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.rules.bind import Binding
from compliance.model import ParameterFigures, Period
from config.alerting import in_day_range
from config.loader import Site
from config.standards import Season, Statistic, When
from storage import SqliteStore
from storage.base import WindowStats

DAY = 86400.0
ZONE_STATISTICS = {Statistic.ZONE_MEAN, Statistic.ZONE_UNIFORMITY, Statistic.ZONE_MIN}
WINDOWED = {Statistic.MEAN, *ZONE_STATISTICS}


@dataclass(frozen=True, slots=True)
class Layout:
    every: float  # seconds
    text: str  # 中文 / English, as the report states it


def layout(window: float, period: Period) -> Layout:
    """How windows of `window` seconds are laid on `period`."""
    if window > DAY:
        length = (period.end - period.start).total_seconds()
        return Layout(length, "整个报告期（指示性）/ the whole period (indicative)")
    names = {
        3600.0: "整点小时 / clock hours",
        8 * 3600.0: "8 小时时段 00–08、08–16、16–24 / 8-hour blocks from midnight",
        DAY: "自然日 00:00–24:00 / calendar days",
    }
    minutes = window / 60
    return Layout(
        window, names.get(window, f"自零点起每 {minutes:g} 分钟 / {minutes:g}-minute blocks from midnight")
    )


def reportable(binding: Binding) -> bool:
    """A windowed limit the monthly figures cover (state faults, last values and power-off rules are not)."""
    rule = binding.rule
    return (
        rule is not None
        and rule.statistic in WINDOWED
        and rule.when is not When.EMERGENCY
        and binding.window >= 60
        and (DAY % binding.window == 0 or binding.window > DAY)
    )


class WindowReader:
    """Each sensor's windows of one length read once per report (several limits read one sensor)."""

    def __init__(self, readings: SqliteStore, period: Period, bindings: Sequence[Binding]) -> None:
        self.readings, self.period = readings, period
        self._read: dict[tuple[str, float], dict[datetime, WindowStats]] = {}
        self._left = Counter(s for b in bindings for s in b.sensors)  # readers still to come per sensor

    def done(self, binding: Binding) -> None:
        """Forget the windows of sensors no later binding reads: memory stays at a few sensors' worth."""
        for sensor in binding.sensors:
            self._left[sensor] -= 1
            if self._left[sensor] <= 0:
                for key in [k for k in self._read if k[0] == sensor]:
                    del self._read[key]

    async def windows(self, sensor: str, every: float) -> dict[datetime, WindowStats]:
        key = (sensor, every)
        if key not in self._read:
            found = await self.readings.windows(sensor, self.period.start, self.period.end, every)
            self._read[key] = {w.start: w for w in found}
        return self._read[key]


async def figures(
    site: Site, binding: Binding, period: Period, reader: WindowReader
) -> tuple[ParameterFigures, list[tuple[datetime, float]]]:
    """The binding's figures over `period`, and its valid windows' values (for charts)."""
    rule = binding.rule
    assert rule is not None
    lay = layout(binding.window, period)
    need = rule.min_coverage * binding.window
    per_sensor = {sensor: await reader.windows(sensor, lay.every) for sensor in binding.sensors}
    values: list[tuple[datetime, float | None]] = []  # each applicable window: its value, None if short
    start = period.start
    while start < period.end:
        if _applies(site, binding, start):
            values.append((start, _value(binding, [s.get(start) for s in per_sensor.values()], need)))
        start += timedelta(seconds=lay.every)
    valid = [(t, v) for t, v in values if v is not None]
    compliant = [v for _, v in valid if not breached(binding, v)]
    worst = max(valid, key=lambda tv: _badness(binding, tv[1]), default=None)
    episodes, exceeded = _episodes(binding, values, lay.every)
    zone = next((z for z in site.config.zones if z.id == binding.zone), None)
    standard = binding.standard
    return (
        ParameterFigures(
            zone=binding.zone or "",
            zone_name=zone.name if zone else "",
            key=binding.key,
            rule=binding.rule_id,
            name=binding.name,
            subject=binding.subject,
            statistic=rule.statistic.value,
            unit=binding.unit,
            limit=binding.limit_text,
            max=binding.max,
            min=binding.min,
            standard=standard,
            edition=standard.rpartition("-")[2] if "-" in standard else "",
            clause=rule.source.clause,
            wording=rule.source.wording,
            confidence=rule.confidence.value,
            override_reason=binding.override_reason,
            window_seconds=binding.window,
            windowing=lay.text,
            min_data_seconds=need,
            windows=len(values),
            windows_valid=len(valid),
            completeness=len(valid) / len(values) if values else None,
            windows_compliant=len(compliant),
            compliance=len(compliant) / len(valid) if valid else None,
            mean=sum(v for _, v in valid) / len(valid) if valid else None,
            worst_value=worst[1] if worst else None,
            worst_at=worst[0] if worst else None,
            episodes=episodes,
            exceedance_seconds=exceeded,
        ),
        valid,
    )


def breached(binding: Binding, value: float) -> bool:
    """Outside the limit (no hysteresis: the record states each window as it was)."""
    return (binding.max is not None and value > binding.max) or (
        binding.min is not None and value < binding.min
    )


def _badness(binding: Binding, value: float) -> float:
    """How far `value` lies beyond (positive) or inside (negative) its limit, in the limit's units."""
    above = value - binding.max if binding.max is not None else float("-inf")
    below = binding.min - value if binding.min is not None else float("-inf")
    return max(above, below)


def _applies(site: Site, binding: Binding, start: datetime) -> bool:
    rule = binding.rule
    assert rule is not None
    if rule.season is not Season.ANY and _season(site, start) is not rule.season:
        return False
    return rule.when is not When.OPEN or site.config.site.is_open(start)


def _season(site: Site, when: datetime) -> Season:
    day = when.astimezone(site.config.site.tz).date()
    seasons = site.config.alerting.seasons
    if in_day_range(seasons.summer, day):
        return Season.SUMMER
    return Season.WINTER if in_day_range(seasons.winter, day) else Season.TRANSITION


def _value(binding: Binding, windows: Sequence[WindowStats | None], need: float) -> float | None:
    """The window's value: a sensor's mean, or Eav / U0 / minimum over the zone's sensors (GB/T 5700)."""
    rule = binding.rule
    assert rule is not None
    factors = binding.factors or (1.0,) * len(windows)
    means = [
        w.mean * k for w, k in zip(windows, factors, strict=True) if w is not None and w.minutes * 60 >= need
    ]
    if rule.statistic is Statistic.MEAN:
        return means[0] if means else None
    if binding.fixed is not None:  # U0 from the commissioning survey
        return binding.fixed if means else None
    if not means or (rule.statistic is Statistic.ZONE_UNIFORMITY and len(means) < 2):
        return None
    average = sum(means) / len(means)
    if rule.statistic is Statistic.ZONE_MEAN:
        return average
    if rule.statistic is Statistic.ZONE_MIN:
        return min(means)
    return min(means) / average if average > 0 else 0.0


def _episodes(
    binding: Binding, values: Sequence[tuple[datetime, float | None]], every: float
) -> tuple[int, float]:
    """Runs of consecutive non-compliant windows (a compliant, short or inapplicable window ends one)."""
    episodes, windows, previous = 0, 0, None
    for start, value in values:
        bad = value is not None and breached(binding, value)
        if bad:
            windows += 1
            contiguous = previous is not None and (start - previous).total_seconds() <= every + 1
            if not contiguous:
                episodes += 1
            previous = start
        else:
            previous = None
    return episodes, windows * every


def by_zone(bindings: Sequence[Binding], zones: Mapping[str, object]) -> list[Binding]:
    """The reportable bindings of `zones`, in zone then key order."""
    order = list(zones)
    chosen = [b for b in bindings if b.zone in zones and reportable(b)]
    return sorted(chosen, key=lambda b: (order.index(b.zone or ""), b.key))
