"""How simulated measurements move: a mean-reverting random walk around a target that follows the day.

A sensor's value neither jumps nor runs away: it wanders around what the room would measure at that
hour (people in the hall when the center is open, lights on, sun through the windows) and comes back
when pushed away. Each sensor carries its own small bias, so two sensors of one room differ as real
ones do (what makes a zone's average and uniformity meaningful).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from random import Random

from config.models import RoomKind, SiteInfo
from sensors import FieldSpec, Quantity

# people per room kind, relative to a busy service hall
_PEOPLE: dict[RoomKind, float] = {
    RoomKind.SERVICE_HALL: 1.0,
    RoomKind.RECEPTION: 0.8,
    RoomKind.MEETING_ROOM: 0.9,
    RoomKind.LOBBY: 0.6,
    RoomKind.OFFICE: 0.5,
    RoomKind.PRINT_ROOM: 0.4,
    RoomKind.RESTROOM: 0.3,
    RoomKind.CORRIDOR: 0.2,
    RoomKind.STAIRWELL: 0.1,
    RoomKind.PARKING: 0.05,
    RoomKind.PLANT_ROOM: 0.05,
}
# artificial light with the lights on (lx), a little above the GB 50034 value of the room kind
_LIGHTING: dict[RoomKind, float] = {
    RoomKind.SERVICE_HALL: 360,
    RoomKind.RECEPTION: 330,
    RoomKind.MEETING_ROOM: 330,
    RoomKind.LOBBY: 230,
    RoomKind.OFFICE: 340,
    RoomKind.PRINT_ROOM: 330,
    RoomKind.RESTROOM: 110,
    RoomKind.CORRIDOR: 110,
    RoomKind.STAIRWELL: 80,
    RoomKind.PARKING: 60,
    RoomKind.PLANT_ROOM: 120,
}
# daylight at noon (lx) through the windows of the room kind; none underground
_DAYLIGHT: dict[RoomKind, float] = {
    RoomKind.SERVICE_HALL: 80,
    RoomKind.RECEPTION: 80,
    RoomKind.MEETING_ROOM: 80,
    RoomKind.LOBBY: 80,
    RoomKind.OFFICE: 80,
    RoomKind.PRINT_ROOM: 60,
    RoomKind.RESTROOM: 30,
    RoomKind.CORRIDOR: 40,
    RoomKind.STAIRWELL: 40,
}
_NIGHT_LUX = 5.0  # exit signs and street light
# battery systems as (nominal, resting) volts: a gauge's lithium cell, 12 V and 24 V lead-acid on float charge
_BATTERIES = ((3.6, 3.6), (12.0, 13.5), (24.0, 27.0))


@dataclass(frozen=True, slots=True)
class Band:
    """Where a quantity lives in a normal building, and how it moves there."""

    low: float  # noise never carries a value out of [low, high]; only an event's target does
    high: float
    spread: float  # standard deviation around the target once settled
    tau: float  # seconds to forget about 63 % of a disturbance
    bias: float  # each sensor's own offset is drawn from ±bias


BANDS: dict[Quantity, Band] = {
    Quantity.CO2: Band(400, 1000, 20, 300, 15),
    Quantity.TEMPERATURE: Band(20, 26, 0.3, 1800, 0.8),
    Quantity.HUMIDITY: Band(35, 60, 2.0, 1800, 4),
    Quantity.PM2_5: Band(10, 40, 3.0, 600, 3),
    Quantity.PM10: Band(20, 70, 5.0, 600, 5),
    Quantity.HCHO: Band(0.02, 0.05, 0.003, 30, 0.006),
    Quantity.TVOC: Band(0.1, 0.3, 0.02, 600, 0.02),
    Quantity.NOISE: Band(30, 80, 1.5, 30, 2),
    Quantity.ILLUMINANCE: Band(0, 1000, 0.015, 30, 0.12),  # spread and bias are fractions of the level here
    Quantity.EXTINGUISHER_PRESSURE: Band(1.2, 1.35, 0.006, 60, 0.03),
    # the other GB/T 18883 gases, radon and air velocity: a quiet background well under their limits
    Quantity.O3: Band(0.01, 0.08, 0.005, 600, 0.005),
    Quantity.NO2: Band(0.01, 0.08, 0.005, 600, 0.005),
    Quantity.SO2: Band(0.005, 0.05, 0.003, 600, 0.003),
    Quantity.CO: Band(0.2, 3.0, 0.1, 600, 0.2),
    Quantity.NH3: Band(0.01, 0.1, 0.005, 600, 0.005),
    Quantity.BENZENE: Band(0.001, 0.01, 0.0005, 600, 0.0005),
    Quantity.TOLUENE: Band(0.005, 0.05, 0.003, 600, 0.003),
    Quantity.XYLENE: Band(0.005, 0.05, 0.003, 600, 0.003),
    Quantity.RADON: Band(10, 80, 5.0, 3600, 5),
    Quantity.AIR_VELOCITY: Band(0.02, 0.15, 0.01, 60, 0.01),
    # self-test records: no walk (spread and tau unused); bias is the phase of the test cycle, in days,
    # or the battery's own discharge time around 90 min, comfortably above GB 51309's 0.5 h
    Quantity.FUNCTION_TEST_AGE: Band(0, 29, 0, 1, 15),
    Quantity.DISCHARGE_TEST_AGE: Band(0, 364, 0, 1, 182.5),
    Quantity.DISCHARGE_DURATION: Band(80, 100, 0, 1, 10),
}
_BACKGROUND = {  # the middle of the band: nothing in the building drives these
    q: (BANDS[q].low + BANDS[q].high) / 2
    for q in (
        Quantity.O3, Quantity.NO2, Quantity.SO2, Quantity.CO, Quantity.NH3, Quantity.BENZENE,
        Quantity.TOLUENE, Quantity.XYLENE, Quantity.RADON, Quantity.AIR_VELOCITY,
    )
}  # fmt: skip
# a controller's records of its last self-tests: they step with the calendar, they do not drift
_RECORDS = frozenset({Quantity.FUNCTION_TEST_AGE, Quantity.DISCHARGE_TEST_AGE, Quantity.DISCHARGE_DURATION})
_TEST_CYCLE = {Quantity.FUNCTION_TEST_AGE: 30, Quantity.DISCHARGE_TEST_AGE: 365}  # days between tests
COARSE = Band(10, 30, 2.5, 600, 2)  # PM10 − PM2.5: with PM2.5 in 10–40, PM10 stays in 20–70


@dataclass(frozen=True, slots=True)
class Conditions:
    """The building at one moment, computed once per update for every sensor."""

    open: bool
    hour: float  # local time of day
    daylight: float  # 0 at night … 1 at noon
    day: int = 0  # the local date as a day number (date.toordinal): what self-test records count in

    @classmethod
    def at(cls, when: datetime, site: SiteInfo) -> Conditions:
        local = when.astimezone(site.tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        daylight = max(0.0, math.sin(math.pi * (hour - 6) / 12))
        return cls(site.is_open(when), hour, daylight, local.toordinal())

    def occupancy(self, kind: RoomKind | None) -> float:
        """0 … 1: the people in a room of `kind`; a device without a zone counts as a half-busy room."""
        people = 0.5 if kind is None else _PEOPLE[kind]
        if not self.open:
            return 0.04 * people  # staff before and after hours
        return people * (0.8 + 0.2 * math.sin(2 * math.pi * (self.hour - 9) / 5))  # peaks ~10:15 and ~15:15


def battery_band(spec: FieldSpec) -> tuple[Band, float]:
    """Band and resting voltage of a battery field, the system guessed from the field's measuring range."""
    limit = 0.8 * spec.valid_max if spec.valid_max is not None else math.inf
    fitting = [b for b in _BATTERIES if b[0] <= limit] or [_BATTERIES[0]]
    rest = fitting[-1][1]
    return Band(0.85 * rest, 1.02 * rest, 0.002 * rest, 120, 0.005 * rest), rest


class Ambient:
    """One measurement field of one device: its target at each moment and its drifting value.

    PM10 on a device that also measures PM2.5 is that PM2.5 plus a walk of its own (the coarse part),
    so that it never reads below it, as no real PM10 does.
    """

    def __init__(
        self, spec: FieldSpec, kind: RoomKind | None, rng: Random, *, fine: Ambient | None = None
    ) -> None:
        self.quantity = spec.quantity
        self._kind = kind
        self._rng = rng
        self._fine = fine if self.quantity is Quantity.PM10 else None
        if self.quantity is Quantity.BATTERY_VOLTAGE:
            self.band, self._rest = battery_band(spec)
        else:
            self.band, self._rest = (COARSE if self._fine else BANDS[self.quantity]), 0.0
        self._bias = rng.uniform(-1, 1) * self.band.bias
        self._level: float | None = None  # where the walk is; set by the first step

    @property
    def value(self) -> float | None:
        if self._fine is None or self._level is None:
            return self._level
        fine = self._fine.value
        return None if fine is None else fine + self._level

    def target(self, now: Conditions) -> float:
        """Where this sensor's walk heads, undisturbed, under `now`."""
        occupancy, bias, kind = now.occupancy(self._kind), self._bias, self._kind
        match self.quantity:
            case Quantity.CO2:
                return 420 + 460 * occupancy + bias
            case Quantity.TEMPERATURE:
                return 22 + 1.8 * occupancy + bias
            case Quantity.HUMIDITY:
                return 46 + 4 * occupancy + bias + (6 if kind is RoomKind.RESTROOM else 0)
            case Quantity.PM2_5:
                return 18 + 8 * occupancy + bias
            case Quantity.PM10 if self._fine is not None:
                return 0.75 * self._fine.target(now) + bias  # the coarse part
            case Quantity.PM10:
                return 1.75 * (18 + 8 * occupancy) + bias
            case Quantity.HCHO:
                return 0.032 + bias
            case Quantity.TVOC:
                return 0.14 + 0.08 * occupancy + bias + (0.04 if kind is RoomKind.PRINT_ROOM else 0)
            case Quantity.NOISE:
                return 40 + 18 * occupancy + bias
            case Quantity.ILLUMINANCE:
                lamps = (_LIGHTING[kind] if kind else 300) if now.open else _NIGHT_LUX
                sun = (_DAYLIGHT.get(kind, 0) if kind else 60) * now.daylight
                return (lamps + sun) * (1 + bias)
            case Quantity.EXTINGUISHER_PRESSURE:
                return 1.27 + bias
            case q if q in _BACKGROUND:
                return _BACKGROUND[q] + bias
            case Quantity.BATTERY_VOLTAGE:
                return self._rest + bias
            case Quantity.FUNCTION_TEST_AGE | Quantity.DISCHARGE_TEST_AGE:
                return float(math.floor(now.day + bias) % _TEST_CYCLE[self.quantity])  # 0 on a test day
            case Quantity.DISCHARGE_DURATION:
                return 90 + bias
        raise AssertionError(f"no model for {self.quantity}")  # BANDS fails first for a new quantity

    def step(self, target: float, dt: float) -> None:
        """Walk `dt` seconds toward `target` (an Ornstein–Uhlenbeck step, exact for any `dt`)."""
        if self.quantity in _RECORDS:  # a record shows its target as it is, an event's included
            self._level = target
            return
        band = self.band
        spread = band.spread * max(target, 10.0) if self.quantity is Quantity.ILLUMINANCE else band.spread
        noise = self._rng.gauss(0, 1)
        if self._level is None:
            self._level = min(band.high, max(band.low, target + spread * noise))
            return
        keep = math.exp(-dt / band.tau)
        moved = target + (self._level - target) * keep + spread * math.sqrt(1 - keep * keep) * noise
        # noise never leaves the band; an event's target may, and the value follows it there and back
        low, high = min(band.low, target, self._level), max(band.high, target, self._level)
        self._level = min(high, max(low, moved))
