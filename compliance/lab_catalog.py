"""What a manual or laboratory result is judged against: the standards catalog, for one zone and date.

A result names its parameter as a catalog rule id (`gb-50034-2013/uniformity-office`), a laboratory
parameter (`bacteria`: config/standards/lab/*.yaml, for what no sensor measures) or a sensor quantity
(`hcho`), which stands for the one rule of that quantity that applies in the zone on that day (season).
A rule applies where the alert engine would bind it — the zone's standards, room kind and evacuation
flag — with the site's override of its limit (and the override's reason). A zone with no applicable
limit is not an error: the result is kept, unjudged (`compliant` None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import Field

from config.alerting import in_day_range
from config.loader import Site
from config.models import Identifier, Strict, Zone
from config.source import load_yaml
from config.standards import SHIPPED_STANDARDS, RuleSource, RuleSpec, Season, StandardSpec, Statistic
from config.validation import validate
from sensors import Quantity
from sensors.units import UnitError, to_canonical

LAB_CATALOG = SHIPPED_STANDARDS / "lab"
# spellings of a lab report → the catalog's
_SPELLING = {"μ": "µ", "ug": "µg", "m3": "m³", "cfu": "CFU", "lux": "lx", "℃": "°C"}
_PER_M3 = {"ng/m³": 1e-6, "µg/m³": 1e-3, "mg/m³": 1.0}  # mass concentrations, in mg/m³
_RATIO = {"", "1"}


class LabParameterSpec(Strict):
    id: Identifier
    name: str = Field(description="中文 / English")
    unit: str
    max: float | None = None
    min: float | None = None
    averaging: str = ""
    confidence: str
    source: RuleSource


class LabCatalogSpec(Strict):
    standard: Identifier = Field(description="the standard whose zones these limits apply in")
    parameters: Annotated[list[LabParameterSpec], Field(min_length=1)]


class LabCheckError(ValueError):
    """A result that cannot be checked: unknown parameter or zone, an ambiguous quantity, a bad unit."""

    def __init__(self, column: str, problem: str, fix: str) -> None:
        super().__init__(f"{column}: {problem} — {fix}")
        self.column, self.problem, self.fix = column, problem, fix


@dataclass(frozen=True, slots=True)
class Limit:
    """The parameter as the zone's standards define it on the sampling day."""

    parameter: str  # the catalog's id: standard/rule or standard/lab parameter
    name: str
    unit: str  # canonical
    max: float | None
    min: float | None
    standard: str = ""  # code, e.g. GB/T 18883-2022; "" when no limit applies in the zone
    clause: str = ""
    confidence: str = ""
    override_reason: str = ""

    @property
    def text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.max is not None and self.min is not None:
            return f"{self.min:g}–{self.max:g}{unit}"
        if self.max is not None:
            return f"≤ {self.max:g}{unit}"
        if self.min is not None:
            return f"≥ {self.min:g}{unit}"
        return ""

    def compliant(self, value: float) -> bool | None:
        if self.max is None and self.min is None:
            return None
        return (self.max is None or value <= self.max) and (self.min is None or value >= self.min)


def normal_unit(unit: str) -> str:
    text = unit.strip()
    for spelling, canonical in _SPELLING.items():
        text = text.replace(spelling, canonical)
    return text


def load_lab_catalog(folder: Path = LAB_CATALOG) -> list[LabCatalogSpec]:
    return [validate(LabCatalogSpec, load_yaml(path)) for path in sorted(folder.glob("*.yaml"))]


class LabCatalog:
    """The site's standards as a checker of results; built once per site (reads the catalog files)."""

    def __init__(
        self,
        site: Site,
        standards: Mapping[str, StandardSpec],
        lab: list[LabCatalogSpec] | None = None,
    ) -> None:
        self.site, self.standards = site, standards
        self.zones = {zone.id: zone for zone in site.config.zones}
        self.rules = {f"{s.id}/{r.id}": (s, r) for s in standards.values() for r in s.rules}
        self.lab = {
            p.id: (spec.standard, p)
            for spec in (load_lab_catalog() if lab is None else lab)
            for p in spec.parameters
        }

    def convert(self, parameter: str, value: float, unit: str) -> tuple[float, str]:
        """`value` in `unit` as the parameter's canonical value and unit."""
        target, quantity = self._unit_of(parameter)
        given = normal_unit(unit)
        if given in {target, ""} or (target == "" and given in _RATIO):
            return value, target
        if given in _PER_M3 and target in _PER_M3:
            return value * _PER_M3[given] / _PER_M3[target], target
        if quantity is not None:
            try:
                return to_canonical(value, given, quantity), target
            except UnitError:
                pass
        raise LabCheckError(
            "unit",
            f"单位无法换算 / cannot convert {unit!r} to {target or 'a ratio'!r}",
            f"use {target or '1'}",
        )

    def limit(self, parameter: str, zone_id: str, sampled_at: datetime) -> Limit:
        """The limit of `parameter` in the zone on that day; LabCheckError naming the fix when unknown."""
        zone = self.zones.get(zone_id)
        if zone is None:
            raise LabCheckError(
                "zone", f"未知区域 / unknown zone {zone_id!r}", f"valid: {', '.join(sorted(self.zones))}"
            )
        chosen = self._standards_of(zone)
        if parameter in self.lab:
            standard_id, spec = self.lab[parameter]
            name = f"{standard_id}/{parameter}"
            if standard_id not in chosen:
                return Limit(name, spec.name, normal_unit(spec.unit), None, None)
            code = self.standards[standard_id].code if standard_id in self.standards else standard_id
            return Limit(
                name, spec.name, normal_unit(spec.unit), spec.max, spec.min, code, spec.source.clause,
                spec.confidence,
            )  # fmt: skip
        if parameter in self.rules:
            standard, rule = self.rules[parameter]
            applies = standard.id in chosen and _applies(rule, zone)
            return self._rule_limit(standard, rule, zone) if applies else _unjudged(parameter, rule)
        quantity = self._quantity(parameter)
        season = self._season(sampled_at)
        candidates = [
            (standard, rule)
            for standard in (self.standards[i] for i in chosen if i in self.standards)
            for rule in standard.rules
            if rule.quantity is quantity
            and rule.statistic is not Statistic.ZONE_UNIFORMITY
            and rule.season in {Season.ANY, season}
            and _applies(rule, zone)
        ]
        if not candidates:
            info = quantity.info
            return Limit(quantity.value, f"{info.name_zh} / {info.name_en}", info.unit, None, None)
        if len(candidates) > 1:
            ids = ", ".join(f"{s.id}/{r.id}" for s, r in candidates)
            raise LabCheckError(
                "parameter",
                f"{parameter!r} 在区域 {zone_id} 有多条规则 / several rules apply in {zone_id}",
                f"name the rule: {ids}",
            )
        return self._rule_limit(*candidates[0], zone)

    def _unit_of(self, parameter: str) -> tuple[str, Quantity | None]:
        if parameter in self.lab:
            return normal_unit(self.lab[parameter][1].unit), None
        if parameter in self.rules:
            rule = self.rules[parameter][1]
            ratio = rule.statistic is Statistic.ZONE_UNIFORMITY
            return ("" if ratio else rule.quantity.info.unit), (None if ratio else rule.quantity)
        quantity = self._quantity(parameter)
        return quantity.info.unit, quantity

    def _quantity(self, parameter: str) -> Quantity:
        try:
            quantity = Quantity(parameter)
        except ValueError:
            quantity = None
        if quantity is None or quantity.info.is_state:
            raise LabCheckError(
                "parameter",
                f"未知参数 / unknown parameter {parameter!r}",
                f"valid: a lab parameter ({', '.join(sorted(self.lab))}), a quantity "
                "(hcho, radon, illuminance …) or a rule id such as gb-t-18883-2022/hcho-1h",
            )
        return quantity

    def _standards_of(self, zone: Zone) -> list[str]:
        alerting = self.site.config.alerting
        return alerting.zone_standards.get(zone.id, alerting.standards or list(self.standards))

    def _season(self, when: datetime) -> Season:
        day = when.astimezone(self.site.config.site.tz).date()
        seasons = self.site.config.alerting.seasons
        if in_day_range(seasons.summer, day):
            return Season.SUMMER
        if in_day_range(seasons.winter, day):
            return Season.WINTER
        return Season.TRANSITION

    def _rule_limit(self, standard: StandardSpec, rule: RuleSpec, zone: Zone) -> Limit:
        rule_id = f"{standard.id}/{rule.id}"
        override = next(
            (
                o
                for o in self.site.config.alerting.overrides
                if o.rule == rule_id and (not o.zones or zone.id in o.zones)
            ),
            None,
        )
        high = override.max if override and override.max is not None else rule.max
        low = override.min if override and override.min is not None else rule.min
        ratio = rule.statistic is Statistic.ZONE_UNIFORMITY

        def canonical(limit: float | None) -> float | None:
            return None if limit is None or ratio else to_canonical(limit, rule.unit, rule.quantity)

        return Limit(
            rule_id,
            rule.name,
            "" if ratio else rule.quantity.info.unit,
            high if ratio else canonical(high),
            low if ratio else canonical(low),
            standard.code,
            rule.source.clause,
            rule.confidence.value,
            override.reason if override else "",
        )


def _unjudged(rule_id: str, rule: RuleSpec) -> Limit:
    unit = "" if rule.statistic is Statistic.ZONE_UNIFORMITY else rule.quantity.info.unit
    return Limit(rule_id, rule.name, unit, None, None)


def _applies(rule: RuleSpec, zone: Zone) -> bool:
    """As the alert binding decides it (alerts/rules/bind.py): room kinds and the evacuation flag."""
    if rule.room_kinds and zone.kind not in rule.room_kinds:
        return False
    return rule.evacuation_route is None or rule.evacuation_route == zone.evacuation_route
