"""The plan's inspections as tasks: one per zone where the plan lists zones, with the zone's period.

A task carries what judges a record of it: its measures' limits, taken from the plan or from the
standards catalog (`rule:`, in the rule's unit, with the site's override of that rule when it has one
for every zone), so
a measured discharge of 25 min fails a 0.5 h requirement wherever that requirement is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.loader import Site
from config.models import Zone
from config.standards import StandardSpec
from safety.plan import Every, InspectionSpec, Measure, Plan, rule_spec
from safety.schedule import REMIND, is_underground


@dataclass(frozen=True, slots=True)
class Limit:
    id: str
    name: str
    unit: str
    min: float | None
    max: float | None
    source: str  # where the limit comes from: a rule id, or "plan"

    def breached(self, value: float) -> bool:
        return (self.min is not None and value < self.min) or (self.max is not None and value > self.max)

    @property
    def text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.min is not None and self.max is not None:
            return f"{self.min:g}–{self.max:g}{unit}"
        return f"≥ {self.min:g}{unit}" if self.min is not None else f"≤ {self.max:g}{unit}"


@dataclass(frozen=True, slots=True)
class Task:
    id: str  # the inspection's id, `.<zone>` added for a per-zone task
    spec: InspectionSpec
    zone: Zone | None
    every: Every
    limits: tuple[Limit, ...]

    @property
    def name(self) -> str:
        """`灭火器检查（地下停车场）/ Extinguisher check (Underground parking)`."""
        if self.zone is None:
            return self.spec.name
        zh, _, en = self.spec.name.partition(" / ")
        place = f"（{self.zone.name}）"
        return f"{zh}{place} / {en} ({self.zone.name_en or self.zone.id})" if en else f"{zh}{place}"

    @property
    def remind(self) -> float:
        return self.spec.remind if self.spec.remind is not None else REMIND[self.every]


def build_tasks(plan: Plan, site: Site, standards: Mapping[str, StandardSpec]) -> list[Task]:
    zones = {z.id: z for z in site.config.zones}
    out: list[Task] = []
    for spec in plan.inspections:
        limits = tuple(_limit(m, site, standards) for m in spec.measures)
        if not spec.zones:
            out.append(Task(spec.id, spec, None, spec.every, limits))
        for zone in spec.zones:
            every = spec.underground if spec.underground and is_underground(zones[zone]) else spec.every
            out.append(Task(f"{spec.id}.{zone}", spec, zones[zone], every, limits))
    return out


def _limit(measure: Measure, site: Site, standards: Mapping[str, StandardSpec]) -> Limit:
    if measure.rule is None:
        return Limit(measure.id, measure.name, measure.unit, measure.min, measure.max, "plan")
    rule = rule_spec(measure.rule, standards)
    assert rule is not None  # the plan's check refused unknown rules
    override = next(
        (o for o in site.config.alerting.overrides if o.rule == measure.rule and not o.zones), None
    )
    low = override.min if override and override.min is not None else rule.min
    high = override.max if override and override.max is not None else rule.max
    return Limit(measure.id, measure.name, rule.unit, low, high, measure.rule)
