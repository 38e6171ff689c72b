"""Unit conversion against the table of standards.md §7.5 (c[mg/m³] = c[ppm] × M / Vm)."""

from __future__ import annotations

import pytest

from sensors import (
    DEFAULT_MOLAR_VOLUME,
    Quantity,
    UnitError,
    mg_m3_to_ppm,
    ppm_to_mg_m3,
    to_canonical,
)
from sensors.units import convertible

VM_0C, VM_20C, VM_25C = 22.414, 24.055, 24.465  # L/mol at 101.325 kPa
MOLAR_VOLUMES = [VM_0C, VM_20C, VM_25C]

# standards.md §7.5, "Limits expressed in ppb": gas, M (g/mol), limit (mg/m³), ppb at 0 / 20 / 25 °C
TABLE = [
    ("HCHO", 30.03, 0.08, (59.7, 64.1, 65.2)),
    ("NO2", 46.01, 0.20, (97.4, 104.6, 106.4)),
    ("O3", 48.00, 0.16, (74.7, 80.2, 81.6)),
    ("SO2", 64.06, 0.50, (174.9, 187.7, 190.9)),
    ("CO", 28.01, 10, (8002, 8588, 8735)),
    ("NH3", 17.03, 0.20, (263.2, 282.5, 287.3)),
    ("Benzene", 78.11, 0.03, (8.6, 9.2, 9.4)),
    ("Toluene", 92.14, 0.20, (48.7, 52.2, 53.1)),
    ("Xylene", 106.17, 0.20, (42.2, 45.3, 46.1)),
    ("TCE", 131.39, 0.006, (1.0, 1.1, 1.1)),
    ("PCE", 165.83, 0.12, (16.2, 17.4, 17.7)),
]
# cells where the table is one off in its last digit from M × limit / Vm (a rounding in the source)
ONE_OFF = {("NO2", VM_25C), ("O3", VM_25C), ("SO2", VM_20C), ("SO2", VM_25C), ("CO", VM_25C)}
TABLE_CASES = [
    pytest.param(gas, molar_mass, limit, vm, ppb, id=f"{gas}-{vm}")
    for gas, molar_mass, limit, row in TABLE
    for vm, ppb in zip(MOLAR_VOLUMES, row, strict=True)
]


def test_default_molar_volume_is_0_degrees() -> None:
    assert DEFAULT_MOLAR_VOLUME == VM_0C


class TestQuantitiesTheCodeConverts:
    """HCHO and TVOC (as toluene) carry molar masses: their rows must match the table to its last digit."""

    @pytest.mark.parametrize(
        ("vm", "ppb"), [(VM_0C, 59.7), (VM_20C, 64.1), (VM_25C, 65.2)], ids=["0C", "20C", "25C"]
    )
    def test_hcho_limit_in_ppb(self, vm: float, ppb: float) -> None:
        molar_mass = Quantity.HCHO.info.molar_mass
        assert molar_mass == 30.03
        assert round(mg_m3_to_ppm(0.08, molar_mass, molar_volume=vm) * 1000, 1) == ppb
        # and back: the table's ppb is the limit, to the table's precision
        assert to_canonical(ppb, "ppb", Quantity.HCHO, molar_volume=vm) == pytest.approx(0.08, abs=1e-4)

    @pytest.mark.parametrize(
        ("vm", "ppb"), [(VM_0C, 48.7), (VM_20C, 52.2), (VM_25C, 53.1)], ids=["0C", "20C", "25C"]
    )
    def test_tvoc_as_toluene_in_ppb(self, vm: float, ppb: float) -> None:
        molar_mass = Quantity.TVOC.info.molar_mass
        assert molar_mass == 92.14
        assert round(mg_m3_to_ppm(0.20, molar_mass, molar_volume=vm) * 1000, 1) == ppb
        assert to_canonical(ppb / 1000, "ppm", Quantity.TVOC, molar_volume=vm) == pytest.approx(
            0.20, abs=1e-3
        )

    def test_hcho_ppm_and_ppb_agree(self) -> None:
        assert to_canonical(0.0597, "ppm", Quantity.HCHO) == pytest.approx(
            to_canonical(59.7, "ppb", Quantity.HCHO)
        )

    def test_default_molar_volume_gives_the_highest_mass_concentration(self) -> None:
        at = [to_canonical(60, "ppb", Quantity.HCHO, molar_volume=vm) for vm in MOLAR_VOLUMES]
        assert at == sorted(at, reverse=True)
        assert to_canonical(60, "ppb", Quantity.HCHO) == at[0]

    @pytest.mark.parametrize(("vm", "mg_m3"), [(VM_0C, 1964), (VM_25C, 1799)], ids=["0C", "25C"])
    def test_co2_1000_ppm_in_mg_m3(self, vm: float, mg_m3: int) -> None:
        # "(1000 ppm CO2 ≈ 1964 mg/m³ @0 °C, 1799 mg/m³ @25 °C)"
        molar_mass = Quantity.CO2.info.molar_mass
        assert molar_mass is not None
        assert round(ppm_to_mg_m3(1000, molar_mass, molar_volume=vm)) == mg_m3


@pytest.mark.parametrize(("gas", "molar_mass", "limit", "vm", "ppb"), TABLE_CASES)
def test_every_row_of_the_table(gas: str, molar_mass: float, limit: float, vm: float, ppb: float) -> None:
    """The functions take any molar mass: each cell, to the table's last digit (a few cells are one off)."""
    digits = 0 if isinstance(ppb, int) else 1
    computed = mg_m3_to_ppm(limit, molar_mass, molar_volume=vm) * 1000
    if (gas, vm) in ONE_OFF:
        assert round(computed, digits) != ppb
        assert abs(computed - ppb) <= 10**-digits
    else:
        assert round(computed, digits) == ppb


@pytest.mark.parametrize("ppm", [0.0, 0.0597, 1.0, 1000.0])
def test_ppm_and_mg_m3_are_inverse(ppm: float) -> None:
    assert mg_m3_to_ppm(ppm_to_mg_m3(ppm, 30.03), 30.03) == pytest.approx(ppm)
    assert mg_m3_to_ppm(ppm_to_mg_m3(ppm, 44.01, molar_volume=VM_25C), 44.01, molar_volume=VM_25C) == (
        pytest.approx(ppm)
    )


class TestCo2:
    def test_percent_to_ppm(self) -> None:
        # "0.10 % = 1000 ppm (volume fraction, no conversion needed)"
        assert to_canonical(0.10, "%", Quantity.CO2) == pytest.approx(1000)
        assert to_canonical(1, "%", Quantity.CO2) == 10_000

    def test_ppb_to_ppm(self) -> None:
        assert to_canonical(420_000, "ppb", Quantity.CO2) == pytest.approx(420)

    def test_volume_fraction_does_not_depend_on_the_molar_volume(self) -> None:
        assert to_canonical(0.1, "%", Quantity.CO2, molar_volume=VM_25C) == to_canonical(
            0.1, "%", Quantity.CO2
        )


@pytest.mark.parametrize(
    ("value", "unit", "quantity", "expected"),
    [
        (80, "ug/m3", Quantity.HCHO, 0.08),
        (80, "µg/m³", Quantity.HCHO, 0.08),
        (0.08, "mg/m3", Quantity.HCHO, 0.08),
        (0.6, "mg/m3", Quantity.TVOC, 0.6),
        (0.035, "mg/m³", Quantity.PM2_5, 35),
        (0.035, "mg/m3", Quantity.PM2_5, 35),
        (35, "ug/m3", Quantity.PM10, 35),
        (1300, "kPa", Quantity.EXTINGUISHER_PRESSURE, 1.3),
        (13, "bar", Quantity.EXTINGUISHER_PRESSURE, 1.3),
        (1.5, "klx", Quantity.ILLUMINANCE, 1500),
    ],
    ids=str,
)
def test_linear_conversions(value: float, unit: str, quantity: Quantity, expected: float) -> None:
    assert to_canonical(value, unit, quantity) == pytest.approx(expected)


@pytest.mark.parametrize("quantity", list(Quantity), ids=lambda q: q.value)
def test_canonical_and_empty_unit_are_unchanged(quantity: Quantity) -> None:
    assert to_canonical(12.5, quantity.info.unit, quantity) == 12.5
    assert to_canonical(12.5, "", quantity) == 12.5
    assert convertible(quantity.info.unit, quantity)


def test_state_quantities_ignore_the_unit() -> None:
    assert to_canonical(2, "anything", Quantity.DOOR_STATE) == 2


@pytest.mark.parametrize(
    ("unit", "quantity"),
    [
        ("ppm", Quantity.PM2_5),  # particles have no molar mass
        ("ppb", Quantity.PM10),
        ("°F", Quantity.TEMPERATURE),
        ("lx", Quantity.HCHO),
        ("mg/m3", Quantity.CO2),  # CO2 is kept as a volume fraction
        ("%", Quantity.HUMIDITY),  # humidity's unit is %RH, not a volume fraction
        ("dB", Quantity.NOISE),
        ("kPa", Quantity.BATTERY_VOLTAGE),
        ("ug/m3", Quantity.ILLUMINANCE),
    ],
    ids=str,
)
def test_impossible_conversions_raise_unit_error(unit: str, quantity: Quantity) -> None:
    with pytest.raises(UnitError, match=quantity.value):
        to_canonical(1.0, unit, quantity)
    assert not convertible(unit, quantity)


def test_unit_error_is_a_value_error() -> None:
    assert issubclass(UnitError, ValueError)
