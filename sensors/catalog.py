"""What a sensor is: one field of one device, with its place in the building."""

from __future__ import annotations

from dataclasses import dataclass

from sensors.profile import FieldSpec
from sensors.quantities import Quantity


def sensor_id(device: str, field_key: str) -> str:
    """The stable id of a device's field: `aq-hall-1.co2`."""
    return f"{device}.{field_key}"


@dataclass(frozen=True, slots=True)
class SensorInfo:
    id: str
    device: str
    field: FieldSpec
    name: str
    zone: str | None
    bus: str
    address: int
    profile: str
    poll: float  # seconds between polls: a value older than a few of these is stale

    @property
    def stale_after(self) -> float:
        """Seconds after which the last value is stale: three missed polls."""
        return 3 * self.poll + 5

    @property
    def quantity(self) -> Quantity:
        return self.field.quantity

    @property
    def unit(self) -> str:
        return self.field.quantity.info.unit
