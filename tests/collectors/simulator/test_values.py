"""The value model: realistic ranges over days, the daily pattern, seeded reproducibility (no servers)."""

from __future__ import annotations

import dataclasses
from functools import cache
from itertools import pairwise
from pathlib import Path
from random import Random
from statistics import mean

import pytest

from collectors.simulator import Simulation
from collectors.simulator.values import Ambient, Conditions
from config import Site, load_site
from config.models import RoomKind, Simulator
from sensors import FieldSpec, Quantity
from tests.collectors.simulator.support import NIGHT, OPEN, Clock

DEMO = Path("config/examples/demo-site.yaml")
RANGES = {  # what a healthy small-business service center measures
    Quantity.CO2: (400, 1000),
    Quantity.TEMPERATURE: (20, 26),
    Quantity.HUMIDITY: (35, 60),
    Quantity.PM2_5: (10, 40),
    Quantity.PM10: (20, 70),
    Quantity.HCHO: (0.02, 0.05),
    Quantity.TVOC: (0.1, 0.3),
    Quantity.ILLUMINANCE: (0, 600),
    Quantity.NH3: (0.01, 0.1),  # a clean restroom
    Quantity.CO: (0.2, 3.0),  # a garage without idling cars
    Quantity.EXTINGUISHER_PRESSURE: (1.2, 1.35),
    Quantity.FUNCTION_TEST_AGE: (0, 29),
    Quantity.DISCHARGE_TEST_AGE: (0, 364),
    Quantity.DISCHARGE_DURATION: (80, 100),
}


@cache
def quiet_demo(seed: int = 7) -> Site:
    """The demo site without its scripted events."""
    site = load_site(DEMO)
    config = site.config.model_copy(update={"simulator": Simulator(enabled=True, seed=seed)})
    return dataclasses.replace(site, config=config)


def values(sim: Simulation, site: Site) -> dict[tuple[str, str], float | None]:
    return {
        (d.id, f.key): sim.value(d.id, f.key)
        for d in site.config.devices
        for f in site.profiles[d.profile].fields
    }


def test_values_stay_realistic_over_two_days() -> None:
    site = quiet_demo()
    clock = Clock(NIGHT)
    sim = Simulation(site, clock=clock)
    quantity = {
        (d.id, f.key): f.quantity for d in site.config.devices for f in site.profiles[d.profile].fields
    }
    for _ in range(2 * 24 * 30):  # two days, every two minutes: nights, opening hours, lunch breaks
        sim.update()
        now = values(sim, site)
        for key, value in now.items():
            assert value is not None, key
            q = quantity[key]
            if q.info.is_state:
                assert value == 0, key  # normal, ok, on, closed, clear
            elif q is Quantity.BATTERY_VOLTAGE:
                assert 3.4 <= value <= 3.7 or 25.5 <= value <= 27.6, key  # gauge cell, 24 V central battery
            else:
                low, high = RANGES[q]
                assert low <= value <= high, (key, value, clock.now)
        for aq in ("aq-hall-1", "aq-hall-2", "aq-office-1", "aq-meeting", "aq-print"):
            assert (now[aq, "pm10"] or 0) > (now[aq, "pm2_5"] or 0), (aq, clock.now)
        clock.advance(120)


def test_co2_and_light_follow_the_opening_hours() -> None:
    site = quiet_demo()
    hall_aq = [("aq-hall-1", "co2"), ("aq-hall-2", "co2")]
    hall_lux = [("lux-hall-1", "illuminance"), ("lux-hall-2", "illuminance"), ("lux-hall-3", "illuminance")]

    def settle(start: Clock) -> dict[tuple[str, str], float | None]:
        sim = Simulation(site, clock=start)
        for _ in range(60):  # an hour, so the walks forget where they started
            sim.update()
            start.advance(60)
        return values(sim, site)

    night, day = settle(Clock(NIGHT)), settle(Clock(OPEN))
    assert all(420 <= (night[k] or 0) <= 500 for k in hall_aq), night
    assert all(700 <= (day[k] or 0) <= 950 for k in hall_aq), day
    assert all((night[k] or 0) <= 10 for k in hall_lux), night
    lux = [day[k] or 0 for k in hall_lux]
    assert all(300 <= v <= 500 for v in lux), lux
    assert len(set(lux)) == 3
    assert min(lux) / mean(lux) < 0.98  # each sensor its own: the hall's uniformity is not trivially 1


def test_same_seed_same_values_other_seed_other_values() -> None:
    def run(seed: int) -> dict[tuple[str, str], float | None]:
        clock = Clock(OPEN)
        site = quiet_demo(seed)
        sim = Simulation(site, clock=clock)
        for _ in range(30):
            sim.update()
            clock.advance(1)
        return values(sim, site)

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("quantity", [q for q in Quantity if not q.info.is_state])
def test_every_measurement_quantity_has_a_model(quantity: Quantity) -> None:
    ambient = Ambient(FieldSpec("x", quantity, 0, valid_max=60), RoomKind.OFFICE, Random(1))
    for hour in range(24):
        conditions = Conditions(open=9 <= hour < 17, hour=hour, daylight=0.5)
        ambient.step(ambient.target(conditions), 60)
        assert ambient.value is not None
        assert ambient.band.low <= ambient.value <= ambient.band.high


def test_self_test_records_follow_the_calendar() -> None:
    """Test ages count whole days, restart at 0 on a test day, and never pass their cycle; the last
    discharge's duration stays what the last annual test measured."""
    rng = Random(3)
    monthly, yearly, duration = (
        Ambient(FieldSpec(q.value, q, 0), None, rng)
        for q in (Quantity.FUNCTION_TEST_AGE, Quantity.DISCHARGE_TEST_AGE, Quantity.DISCHARGE_DURATION)
    )
    seen: list[tuple[float | None, float | None, float | None]] = []
    for day in range(740_000, 740_000 + 2 * 365):
        for hour in (3, 15):  # the same all day
            conditions = Conditions(open=False, hour=hour, daylight=0.0, day=day)
            for ambient in (monthly, yearly, duration):
                ambient.step(ambient.target(conditions), 12 * 3600)
        seen.append((monthly.value, yearly.value, duration.value))
    ages = [m for m, _, _ in seen]
    assert set(ages) == set(map(float, range(30)))
    assert all(b in {a + 1, 0} for a, b in pairwise(ages) if a is not None)
    assert {y for _, y, _ in seen} == set(map(float, range(365)))
    assert len({d for _, _, d in seen}) == 1
