"""How a reading looks in InfluxDB: one measurement per quantity family, the building's place as tags.

`air,device=aq-hall-1,quality=good,quantity=co2,sensor=aq-hall-1.co2,site=城关镇…,unit=ppm,zone=hall
value=612.0,quality_code=0i 1700000000000` — tags: site, zone, device, sensor, quantity, unit, quality;
fields: `value` (canonical unit; the state's index for state quantities), `state` (its label) and
`quality_code` (the store's code, so that a reading without value still has a field). Timestamps in
milliseconds, the collectors' and the store's precision.
"""

from __future__ import annotations

from collections.abc import Mapping

from sensors import Quality, Quantity, Reading
from sensors.catalog import SensorInfo
from storage.influx.line import FieldValue, encode_fields, encode_series
from storage.sqlite import QUALITY_CODES, to_ms

FAMILIES: Mapping[str, tuple[str, ...]] = {
    "air": (
        "co2",
        "hcho",
        "tvoc",
        "pm2_5",
        "pm10",
        "o3",
        "no2",
        "so2",
        "co",
        "nh3",
        "benzene",
        "toluene",
        "xylene",
        "radon",
    ),
    "climate": ("temperature", "humidity", "air_velocity"),
    "light": ("illuminance",),
    "noise": ("noise",),
    "emergency_lighting": (
        "lamp_state",
        "battery_state",
        "main_power",
        "battery_voltage",
        "function_test_age",
        "discharge_test_age",
        "discharge_duration",
    ),
    "exits": ("door_state", "exit_blocked"),
    "fire_equipment": ("extinguisher_pressure",),
}
_FAMILY = {quantity: family for family, quantities in FAMILIES.items() for quantity in quantities}


def measurement(quantity: Quantity) -> str:
    """The quantity's family; a quantity added later and not yet placed is its own measurement."""
    return _FAMILY.get(quantity.value, quantity.value)


class Schema:
    """Turns readings into lines, with the tags of the site's sensor catalog.

    A sensor's measurement and tags change only with its quality: their text is built once per
    (sensor, quantity, quality) and kept, which makes a line about three times cheaper.
    """

    def __init__(self, site: str, catalog: Mapping[str, SensorInfo]) -> None:
        self.site = site
        self._catalog = catalog
        self._series: dict[tuple[str, Quantity, Quality], str] = {}

    def use_catalog(self, catalog: Mapping[str, SensorInfo]) -> None:
        """Tag from now on with `catalog`; the series' tags are built anew."""
        self._catalog = catalog
        self._series = {}

    def line(self, reading: Reading) -> str:
        key = (reading.sensor, reading.quantity, reading.quality)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = encode_series(measurement(reading.quantity), self._tags(reading))
        fields: dict[str, FieldValue] = {"quality_code": QUALITY_CODES[reading.quality]}
        if reading.value is not None:
            fields["value"] = float(reading.value)
        if reading.state is not None:
            fields["state"] = reading.state
        return f"{series} {encode_fields(fields)} {to_ms(reading.ts)}"

    def _tags(self, reading: Reading) -> dict[str, str]:
        info = self._catalog.get(reading.sensor)
        device, _, _ = reading.sensor.partition(".")
        return {
            "site": self.site,
            "zone": (info.zone or "") if info else "",
            "device": info.device if info else device,
            "sensor": reading.sensor,
            "quantity": reading.quantity.value,
            "unit": reading.quantity.info.unit,
            "quality": reading.quality.value,
        }
