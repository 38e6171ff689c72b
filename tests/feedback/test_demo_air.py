"""The demo's restroom ammonia and garage CO: quiet below GB/T 18883's limits, and over them while the
simulator's odour and idling-car events last (so the restroom has a sensor beside its feedback path)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from collectors.simulator import Simulation
from config import load_site
from config.models import Simulator
from tests.collectors.simulator.support import Clock

DEMO = Path(__file__).parents[2] / "config" / "examples" / "demo-site.yaml"
NH3_LIMIT, CO_LIMIT = 0.20, 10.0  # mg/m³, 1-hour means (config/standards/gb-t-18883-2022.yaml)


def test_odour_and_exhaust_rise_over_the_limits_and_fall_back() -> None:
    site = load_site(DEMO)
    quiet = site.config.model_copy(update={"simulator": Simulator(enabled=True, seed=7)})
    clock = Clock()
    sim = Simulation(dataclasses.replace(site, config=quiet), clock=clock)

    def run(minutes: int) -> list[tuple[float, float]]:
        seen = []
        for _ in range(minutes * 6):
            clock.advance(10)
            sim.update()
            seen.append((sim.value("nh3-restroom", "nh3") or 0.0, sim.value("co-parking", "co") or 0.0))
        return seen

    before = run(30)
    assert all(nh3 < NH3_LIMIT / 2 and co < CO_LIMIT / 3 for nh3, co in before)
    sim.trigger("nh3-restroom", "odour_rise", duration=60 * 60)
    sim.trigger("co-parking", "car_exhaust", duration=60 * 60)
    during = run(60)
    assert min(nh3 for nh3, _ in during[-30:]) > NH3_LIMIT  # settled over the limit for its last 5 minutes
    assert min(co for _, co in during[-30:]) > CO_LIMIT
    after = run(60)
    assert all(nh3 < NH3_LIMIT and co < CO_LIMIT for nh3, co in after[-30:])
