"""Bind the standards catalog to a site: which rule watches which sensor or zone, with which limit.

A rule applies to a zone when the zone's standards include the rule's standard and the zone matches
the rule's room kinds and evacuation-route flag; a per-sensor rule then watches every sensor of its
quantity in the zone, a zone rule (Eav, U0, minimum) the zone's sensors together. The site's
overrides are applied here: tightening is free, loosening needs a reason, and the demo scale factor
is refused unless the simulator runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from alerts.rules.survey import Survey, load_survey
from config.alerting import RuleOverride
from config.errors import ConfigError, ConfigIssue, KeyPath
from config.loader import Site
from config.models import Zone
from config.source import Source, load_yaml
from config.standards import RuleSpec, Severity, StandardSpec, Statistic
from sensors import Quantity
from sensors.catalog import SensorInfo
from sensors.units import to_canonical


class Kind(StrEnum):
    RULE = "rule"  # a catalog rule
    DEVICE_OFFLINE = "device_offline"  # every sensor of a device stale
    BUS_DOWN = "bus_down"  # every device of a bus offline: inhibits their device_offline alerts
    SERVICE = "service"  # a condition of Anjing itself, reported by a probe (alerts.selfcheck)


@dataclass(frozen=True, slots=True)
class Binding:
    """One alert's definition: a rule (or a built-in check) on one subject (sensor, zone, device, bus)."""

    key: str  # `<standard>/<rule>@<subject>`, stable across restarts
    kind: Kind
    rule_id: str
    name: str
    subject: str
    zone: str | None
    sensors: tuple[str, ...]
    severity: Severity
    rule: RuleSpec | None = None  # None for the built-in checks
    standard: str = ""  # the standard's code, e.g. GB/T 18883-2022
    max: float | None = None  # canonical unit
    min: float | None = None
    window: float = 0.0  # seconds, demo scale applied
    pending: float = 0.0
    keep_firing_for: float = 0.0
    override_reason: str = ""
    bus: str | None = None  # device_offline: the bus whose bus_down inhibits it
    factors: tuple[float, ...] = ()  # per sensor: a survey's transfer factor (zone Eav)
    fixed: float | None = None  # a figure taken from a survey rather than the sensors (U0)
    basis: str = ""  # how the figure is obtained, when not from the sensors alone

    @property
    def unit(self) -> str:
        if self.rule is None or self.rule.statistic is Statistic.ZONE_UNIFORMITY:
            return ""
        return self.rule.quantity.info.unit

    @property
    def limit_text(self) -> str:
        """`≤ 0.08 mg/m³`, `16–24 °C`, `= fault`."""
        if self.rule is None:
            return ""
        if self.rule.statistic is Statistic.STATE:
            return f"≠ {self.rule.state}"
        unit = f" {self.unit}" if self.unit else ""
        if self.max is not None and self.min is not None:
            return f"{self.min:g}–{self.max:g}{unit}"
        if self.max is not None:
            return f"≤ {self.max:g}{unit}"
        return f"≥ {self.min:g}{unit}"


ZONE_STATISTICS = {Statistic.ZONE_MEAN, Statistic.ZONE_UNIFORMITY, Statistic.ZONE_MIN}
OFFLINE_RULE = "anjing/device-offline"
BUS_RULE = "anjing/bus-down"


def bind(
    site: Site, standards: Mapping[str, StandardSpec], catalog: Mapping[str, SensorInfo]
) -> list[Binding]:
    """Every alert of the site; ConfigError naming the key of each bad `alerting:` entry."""
    binder = _Binder(site, standards, catalog)
    bindings = binder.bindings()
    if binder.issues:
        raise ConfigError(binder.issues)
    return bindings


class _Binder:
    def __init__(
        self, site: Site, standards: Mapping[str, StandardSpec], catalog: Mapping[str, SensorInfo]
    ) -> None:
        self.site, self.standards, self.catalog = site, standards, catalog
        self.config = site.config.alerting
        self.issues: list[ConfigIssue] = []
        self._source: Source | None = None
        self.scale = self._scale()
        self.rules = {f"{s.id}/{r.id}": (s, r) for s in standards.values() for r in s.rules}
        self._check_references()
        self.surveys = self._surveys()

    def issue(self, key: KeyPath, message: str, hint: str) -> None:
        if self._source is None:  # read again only when there is something to report, for its lines
            self._source = load_yaml(self.site.path)
        self.issues.append(self._source.issue(("alerting", *key), message, hint))

    def _scale(self) -> float:
        scale = self.config.demo_window_scale
        if scale != 1 and not self.site.config.simulator.enabled:
            self.issue(
                ("demo_window_scale",),
                "仅演示模式可缩短窗口 / demo_window_scale is for demo sites only (simulator enabled)",
                "remove it: production always evaluates the standards' own windows",
            )
            return 1.0
        return scale

    def _check_references(self) -> None:
        zones = {zone.id for zone in self.site.config.zones}
        chosen = list(self.config.standards or [])
        for ids in self.config.zone_standards.values():
            chosen.extend(ids)
        for ident in chosen:
            if ident not in self.standards:
                self.issue(
                    ("standards",), f"未知标准 / unknown standard {ident!r}", self._valid(self.standards)
                )
        for zone in self.config.zone_standards:
            if zone not in zones:
                self.issue(("zone_standards", zone), f"未知区域 / unknown zone {zone!r}", self._valid(zones))
        for i, override in enumerate(self.config.overrides):
            if override.rule not in self.rules:
                self.issue(("overrides", i, "rule"), f"未知规则 / unknown rule {override.rule!r}", "valid: "
                           "standard/rule as in config/standards/*.yaml, e.g. gb-t-18883-2022/hcho-1h")  # fmt: skip
            else:
                self._check_loosening(i, override, self.rules[override.rule][1])
            for zone in override.zones:
                if zone not in zones:
                    self.issue(
                        ("overrides", i, "zones"), f"未知区域 / unknown zone {zone!r}", self._valid(zones)
                    )

    def _surveys(self) -> dict[str, Survey]:
        zones = {zone.id for zone in self.site.config.zones}
        out: dict[str, Survey] = {}
        for zone, ref in self.config.surveys.items():
            if zone not in zones:
                self.issue(("surveys", zone), f"未知区域 / unknown zone {zone!r}", self._valid(zones))
                continue
            lux = [
                i.id for i in self.catalog.values() if i.zone == zone and i.quantity is Quantity.ILLUMINANCE
            ]
            try:
                out[zone] = load_survey(
                    self.site.resolve(ref.file), zone, ref.date, lux, ("alerting", "surveys", zone)
                )
            except ConfigError as exc:
                self.issues.extend(exc.issues)
        return out

    @staticmethod
    def _valid(names: Mapping[str, object] | set[str]) -> str:
        return f"valid: {', '.join(sorted(names))}"

    def _check_loosening(self, i: int, override: RuleOverride, rule: RuleSpec) -> None:
        looser = (
            (override.max is not None and (rule.max is None or override.max > rule.max))
            or (override.min is not None and (rule.min is None or override.min < rule.min))
            or (override.pending is not None and override.pending > rule.pending)
        )
        if looser and not override.reason.strip():
            self.issue(
                ("overrides", i, "reason"),
                f"放宽限值需写明理由 / loosening {override.rule} needs a written reason",
                "add reason: … (reports show it), or tighten instead",
            )

    def bindings(self) -> list[Binding]:
        by_zone: dict[str, list[SensorInfo]] = {}
        for info in self.catalog.values():
            if info.zone is not None:
                by_zone.setdefault(info.zone, []).append(info)
        out: list[Binding] = []
        if self.config.enabled:
            for zone in self.site.config.zones:
                chosen = self.config.zone_standards.get(
                    zone.id, self.config.standards or list(self.standards)
                )
                for standard in (self.standards[i] for i in chosen if i in self.standards):
                    for rule in standard.rules:
                        if _applies(rule, zone):
                            out.extend(self._bind(standard, rule, zone, by_zone.get(zone.id, [])))
        return out + self._health()

    def _bind(
        self, standard: StandardSpec, rule: RuleSpec, zone: Zone, sensors: list[SensorInfo]
    ) -> list[Binding]:
        watched = [s for s in sensors if s.quantity is rule.quantity]
        survey = self.surveys.get(zone.id) if rule.quantity is Quantity.ILLUMINANCE else None
        if not watched or (
            rule.statistic is Statistic.ZONE_UNIFORMITY and len(watched) < 2 and survey is None
        ):
            return []
        rule_id = f"{standard.id}/{rule.id}"
        override = next(
            (o for o in self.config.overrides if o.rule == rule_id and (not o.zones or zone.id in o.zones)),
            None,
        )
        high = override.max if override and override.max is not None else rule.max
        low = override.min if override and override.min is not None else rule.min
        pending = override.pending if override and override.pending is not None else rule.pending
        scale = self.scale if rule.scales_in_demo else 1.0
        unit = rule.unit if rule.statistic is not Statistic.ZONE_UNIFORMITY else ""

        def canonical(limit: float | None) -> float | None:
            return None if limit is None or not unit else to_canonical(limit, unit, rule.quantity)

        base = Binding(
            key="",
            kind=Kind.RULE,
            rule_id=rule_id,
            name=rule.name,
            subject="",
            zone=zone.id,
            sensors=(),
            severity=rule.severity,
            rule=rule,
            standard=standard.code,
            max=canonical(high) if unit else high,
            min=canonical(low) if unit else low,
            window=rule.window / scale,
            pending=pending / scale,
            keep_firing_for=rule.keep_firing_for / scale,
            override_reason=override.reason if override else "",
        )
        if survey is not None and rule.statistic is Statistic.ZONE_MEAN:
            factors = tuple(survey.factors[s.id] for s in watched)
            base = replace(base, factors=factors, basis=survey.basis)
        elif survey is not None and rule.statistic is Statistic.ZONE_UNIFORMITY:
            base = replace(base, fixed=survey.u0, basis=survey.basis)
        if rule.statistic in ZONE_STATISTICS:
            ids = tuple(s.id for s in watched)
            return [replace(base, key=f"{rule_id}@{zone.id}", subject=zone.id, sensors=ids)]
        return [replace(base, key=f"{rule_id}@{s.id}", subject=s.id, sensors=(s.id,)) for s in watched]

    def _health(self) -> list[Binding]:
        """A device-offline alert per device, a bus-down alert per bus of two or more devices."""
        devices: dict[str, list[SensorInfo]] = {}
        for info in self.catalog.values():
            devices.setdefault(info.device, []).append(info)
        zone_of = {d.id: d.zone for d in self.site.config.devices}
        out: list[Binding] = []
        buses: dict[str, list[str]] = {}
        for device, sensors in devices.items():
            bus = sensors[0].bus
            buses.setdefault(bus, []).append(device)
            out.append(
                Binding(
                    key=f"{OFFLINE_RULE}@{device}",
                    kind=Kind.DEVICE_OFFLINE,
                    rule_id=OFFLINE_RULE,
                    name="设备离线 / Device offline",
                    subject=device,
                    zone=zone_of.get(device),
                    sensors=tuple(s.id for s in sensors),
                    severity=Severity.WARNING,
                    bus=bus,
                )
            )
        for bus, members in buses.items():
            if len(members) >= 2:
                members_sensors = tuple(s.id for d in members for s in devices[d])
                out.append(
                    Binding(
                        key=f"{BUS_RULE}@{bus}",
                        kind=Kind.BUS_DOWN,
                        rule_id=BUS_RULE,
                        name="总线/网关中断 / Bus or gateway down",
                        subject=bus,
                        zone=None,
                        sensors=members_sensors,
                        severity=Severity.CRITICAL,
                    )
                )
        return out


def _applies(rule: RuleSpec, zone: Zone) -> bool:
    if rule.room_kinds and zone.kind not in rule.room_kinds:
        return False
    return rule.evacuation_route is None or rule.evacuation_route == zone.evacuation_route
