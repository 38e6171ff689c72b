"""One simulated device: its drifting measurements, its states, its events, rendered into its registers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from random import Random

from collectors.simulator.events import ActiveEvent, Kind, check_event
from collectors.simulator.registers import (
    DeviceMemory,
    fault_registers,
    is_measurement,
    measurement_registers,
    raw_number,
    resting_state,
    state_registers,
)
from collectors.simulator.values import Ambient, Conditions
from config.models import Device, RoomKind, SimEventKind
from sensors import DeviceProfile, Quantity

log = logging.getLogger("anjing.simulator")


class SimulatedDevice:
    """A device as its profile describes it. Seeded by site seed and device id: the same site simulates
    the same values, whatever the order of its devices."""

    def __init__(
        self, device: Device, profile: DeviceProfile, kind: RoomKind | None, *, seed: int, molar_volume: float
    ) -> None:
        self.id = device.id
        self.bus = device.bus
        self.address = device.address
        self.profile = profile
        self.memory = DeviceMemory(profile.fields)
        self._rng = Random(f"{seed}:{device.id}")
        self._molar_volume = molar_volume
        self._ambient: dict[str, Ambient] = {}
        measured = [f for f in profile.fields if is_measurement(f)]
        for spec in sorted(measured, key=lambda f: f.quantity is Quantity.PM10):  # PM10 rides on PM2.5
            fine = next((a for a in self._ambient.values() if a.quantity is Quantity.PM2_5), None)
            self._ambient[spec.key] = Ambient(spec, kind, self._rng, fine=fine)
        self._resting = {f.key: resting_state(f) for f in profile.fields if f.quantity.info.is_state}
        self._events: list[ActiveEvent] = []
        self._served: dict[str, float | None] = {}
        self._shown: dict[str, str | float | None] = {}  # label, raw number or None (fault) now in registers

    def start(self, kind: SimEventKind, point: str | None, since: datetime, duration: float | None) -> None:
        """Start an event, replacing one of the same kind and point; SimulationError if it cannot happen here."""
        check_event(self.id, self.profile, kind, point)
        self._events = [e for e in self._events if (e.kind, e.point) != (kind, point)]
        until = None if duration is None else since + timedelta(seconds=duration)
        size = self._rng.uniform(0.13, 0.18) if kind is Kind.HCHO_RISE else 0.0
        self._events.append(ActiveEvent(kind, point, since, until, size))
        detail = f" ({point})" if point else ""
        lasting = f"for {duration:g} s" if duration is not None else "until cleared"
        log.info("simulator: %s on %s%s %s", kind.value, self.id, detail, lasting)

    def stop(self, kind: SimEventKind | None = None) -> None:
        """End the device's events of `kind`, or all of them."""
        ended = [e for e in self._events if kind in {None, e.kind}]
        self._events = [e for e in self._events if e not in ended]
        for event in ended:
            log.info("simulator: %s on %s ended", event.kind.value, self.id)

    def expire(self, now: datetime) -> None:
        """End the events whose duration is over."""
        for event in [e for e in self._events if e.until is not None and e.until <= now]:
            self._events.remove(event)
            log.info("simulator: %s on %s ended", event.kind.value, self.id)

    def step(self, conditions: Conditions, now: datetime, dt: float) -> None:
        """Advance every measurement `dt` seconds under `conditions`, events moving their targets."""
        for spec in self.profile.fields:
            ambient = self._ambient.get(spec.key)
            if ambient is None:
                continue
            target = ambient.target(conditions)
            for event in self._events:
                target = event.target(spec, target, now)
            ambient.step(target, dt)

    def render(self) -> None:
        """Write what the device serves now into its registers; only fields whose raw value changed are
        encoded again, so most updates touch a few registers."""
        self.memory.silent = any(e.kind is Kind.DEAD for e in self._events)
        for spec in self.profile.fields:
            states = spec.quantity.info.states
            shown: str | float | None
            if states:
                labels = [self._resting[spec.key], *(label for e in self._events if (label := e.state(spec)))]
                shown = max(labels, key=states.index)
            elif (ambient := self._ambient.get(spec.key)) is not None and ambient.value is not None:
                faulty = any(e.faults(spec) for e in self._events)
                shown = None if faulty else raw_number(spec, ambient.value, self._molar_volume)
            else:
                continue  # strings, or a measurement before its first step: nothing to serve
            if spec.key in self._shown and self._shown[spec.key] == shown:
                continue
            if isinstance(shown, str):
                registers, value = state_registers(spec, shown)
            elif shown is None:
                registers, value = fault_registers(spec), None
            else:
                registers, value = measurement_registers(spec, shown, self._molar_volume)
            self.memory.write(spec, registers)
            self._served[spec.key] = value
            self._shown[spec.key] = shown

    def value(self, key: str) -> float | None:
        """The canonical value served for field `key` (a state's index), or None while it serves none."""
        if self.memory.silent:
            return None
        return self._served.get(key)
