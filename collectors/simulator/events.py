"""What each kind of event does to a device, and the check that it can happen to that device at all.

Events act on fields by quantity: a state field shows the event's label (the most severe label wins
when several apply); a measurement's target moves and its value follows at the pace of its quantity.
An event names one field with `point`; without one it acts on every field of its quantity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from collectors.simulator.errors import SimulationError
from collectors.simulator.registers import is_measurement, state_code
from config.models import SimEventKind
from sensors import DeviceProfile, FieldSpec, Quantity

Kind = SimEventKind

# the quantities an event is about: the fields its `point` may name
SUBJECT: dict[SimEventKind, tuple[Quantity, ...]] = {
    Kind.HCHO_RISE: (Quantity.HCHO,),
    Kind.CO2_CROWD: (Quantity.CO2,),
    Kind.ODOUR_RISE: (Quantity.NH3,),
    Kind.CAR_EXHAUST: (Quantity.CO,),
    Kind.LAMP_FAULT: (Quantity.LAMP_STATE,),
    Kind.MAIN_POWER_LOSS: (Quantity.MAIN_POWER,),
    Kind.DOOR_PROPPED: (Quantity.DOOR_STATE,),
    Kind.EXIT_BLOCKED: (Quantity.EXIT_BLOCKED,),
    Kind.PRESSURE_LOSS: (Quantity.EXTINGUISHER_PRESSURE,),
    Kind.TEST_OVERDUE: (Quantity.FUNCTION_TEST_AGE, Quantity.DISCHARGE_TEST_AGE),
}
# state labels an event imposes: (quantity, label, only on the event's point)
STATE_EFFECTS: dict[SimEventKind, tuple[tuple[Quantity, str, bool], ...]] = {
    Kind.LAMP_FAULT: ((Quantity.LAMP_STATE, "fault", True),),
    Kind.MAIN_POWER_LOSS: ((Quantity.MAIN_POWER, "off", True), (Quantity.LAMP_STATE, "emergency", False)),
    Kind.DOOR_PROPPED: ((Quantity.DOOR_STATE, "open", True),),
    Kind.EXIT_BLOCKED: ((Quantity.EXIT_BLOCKED, "blocked", True),),
}
CROWD_CO2 = 900.0  # ppm a crowd adds: a busy hall goes from ~800 to ~1700
ODOUR_NH3 = 0.30  # mg/m³ a restroom in need of cleaning adds: ~0.36, over GB/T 18883's 0.20
EXHAUST_CO = 12.0  # mg/m³ idling cars add in a small garage: ~13.6, over GB/T 18883's 10
LEAKED_PRESSURE = 0.45  # MPa a leaking extinguisher falls to, far below its green band
ON_BATTERY = 0.93  # battery voltage, relative to float charge, once the mains are lost
# days a test record shows once its tests stop: a monthly test missed by two weeks, an annual one by a month
OVERDUE_DAYS = {Quantity.FUNCTION_TEST_AGE: 45.0, Quantity.DISCHARGE_TEST_AGE: 395.0}


@dataclass(frozen=True, slots=True)
class ActiveEvent:
    kind: SimEventKind
    point: str | None
    since: datetime
    until: datetime | None  # None: until cleared
    size: float = 0.0  # hcho_rise: the excess at its peak, mg/m³

    def covers(self, spec: FieldSpec) -> bool:
        return self.point is None or self.point == spec.key

    def state(self, spec: FieldSpec) -> str | None:
        """The label this event shows on state field `spec`, if it touches it."""
        for quantity, label, at_point in STATE_EFFECTS.get(self.kind, ()):
            if spec.quantity is quantity and (not at_point or self.covers(spec)):
                return label
        return None

    def target(self, spec: FieldSpec, target: float, now: datetime) -> float:
        """The undisturbed `target` of measurement `spec`, moved by this event."""
        quantity, here = spec.quantity, self.covers(spec)
        if self.kind is Kind.HCHO_RISE and quantity is Quantity.HCHO and here:
            if self.until is None:
                return target + self.size
            part = (now - self.since) / (self.until - self.since)
            return target + self.size * math.exp(-3 * part)  # ~5 % of the peak left when it ends
        if self.kind is Kind.CO2_CROWD and quantity is Quantity.CO2 and here:
            return target + CROWD_CO2
        if self.kind is Kind.ODOUR_RISE and quantity is Quantity.NH3 and here:
            return target + ODOUR_NH3
        if self.kind is Kind.CAR_EXHAUST and quantity is Quantity.CO and here:
            return target + EXHAUST_CO
        if self.kind is Kind.PRESSURE_LOSS and quantity is Quantity.EXTINGUISHER_PRESSURE and here:
            return LEAKED_PRESSURE
        if self.kind is Kind.TEST_OVERDUE and quantity in OVERDUE_DAYS and here:
            return OVERDUE_DAYS[quantity]
        if self.kind is Kind.MAIN_POWER_LOSS and quantity is Quantity.BATTERY_VOLTAGE:
            return ON_BATTERY * target
        return target

    def faults(self, spec: FieldSpec) -> bool:
        return self.kind is Kind.FAULT_CODE and self.covers(spec) and is_measurement(spec)


def check_event(device: str, profile: DeviceProfile, kind: SimEventKind, point: str | None) -> None:
    """Refuse an event the device cannot show: raise SimulationError saying what would fit."""
    where = f"event {kind.value} on {device} ({profile.id})"
    if kind is Kind.DEAD:
        if point is not None:
            raise SimulationError(f"{where}: a dead device is silent as a whole; remove point {point!r}")
        return
    if kind is Kind.FAULT_CODE:
        eligible, what = [f for f in profile.fields if is_measurement(f)], "measurement"
    else:
        subjects = SUBJECT[kind]
        eligible = [f for f in profile.fields if f.quantity in subjects]
        what = f"{' or '.join(q.value for q in subjects)} field"
    keys = [f.key for f in eligible]
    if not keys:
        raise SimulationError(f"{where}: the profile has no {what}")
    if point is not None and point not in keys:
        raise SimulationError(f"{where}: point {point!r} is not a {what} of it; use one of {', '.join(keys)}")
    for quantity, label, at_point in STATE_EFFECTS.get(kind, ()):
        for spec in profile.fields:
            touched = spec.quantity is quantity and (not at_point or point in {None, spec.key})
            if touched and state_code(spec, label) is None:
                raise SimulationError(f"{where}: field {spec.key} has no code for state {label!r}")
