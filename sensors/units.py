"""Conversion of device units into the canonical units of `sensors.quantities`.

Gas concentrations convert between volume fraction and mass concentration with
c[mg/m³] = c[ppm] × M / Vm. GB/T 18883-2022 deleted the "standard state" term of the 2002 edition,
so the molar volume is a site setting; the default 22.414 L/mol (0 °C, 101.325 kPa) is the
conservative choice: it gives the highest mg/m³ for a given ppb.
"""

from __future__ import annotations

from sensors.quantities import Quantity

DEFAULT_MOLAR_VOLUME = 22.414  # L/mol at 0 °C, 101.325 kPa

# factor to the canonical unit, for units that need no molar mass
_LINEAR: dict[tuple[str, str], float] = {
    ("%", "ppm"): 10_000.0,
    ("ppb", "ppm"): 0.001,
    ("ug/m3", "mg/m³"): 0.001,
    ("µg/m³", "mg/m³"): 0.001,
    ("mg/m3", "mg/m³"): 1.0,
    ("mg/m³", "µg/m³"): 1000.0,
    ("mg/m3", "µg/m³"): 1000.0,
    ("ug/m3", "µg/m³"): 1.0,
    ("kPa", "MPa"): 0.001,
    ("bar", "MPa"): 0.1,
    ("klx", "lx"): 1000.0,
}
_MOLAR = {"ppm": 1.0, "ppb": 0.001}  # to ppm


class UnitError(ValueError):
    """A device unit that cannot become the quantity's canonical unit."""


def convertible(unit: str, quantity: Quantity) -> bool:
    try:
        to_canonical(1.0, unit, quantity)
    except UnitError:
        return False
    return True


def to_canonical(
    value: float, unit: str, quantity: Quantity, *, molar_volume: float = DEFAULT_MOLAR_VOLUME
) -> float:
    """Convert `value` given in `unit` into `quantity`'s canonical unit."""
    info = quantity.info
    target = info.unit
    if unit in {target, ""} or info.is_state:
        return value
    factor = _LINEAR.get((unit, target))
    if factor is not None:
        return value * factor
    if unit in _MOLAR and target == "mg/m³" and info.molar_mass is not None:
        return value * _MOLAR[unit] * info.molar_mass / molar_volume
    raise UnitError(f"cannot convert {unit!r} to {target!r} for {quantity.value}")


def ppm_to_mg_m3(ppm: float, molar_mass: float, *, molar_volume: float = DEFAULT_MOLAR_VOLUME) -> float:
    return ppm * molar_mass / molar_volume


def mg_m3_to_ppm(mg_m3: float, molar_mass: float, *, molar_volume: float = DEFAULT_MOLAR_VOLUME) -> float:
    return mg_m3 * molar_volume / molar_mass
