"""The emergency plan as data: sections with roles, steps and checklist items, and the inspections.

A checklist item is *live* when it carries `live:` checks — a selector that picks sensors (by zone,
evacuation route, room kind, floor, device, sensor id pattern and quantity) with the state or range
they must show, or an alert rule whose bindings must be quiet — and *manual* otherwise: someone
checks and signs. Inspections are the periodic tasks fire-safety rules require. The file is checked
like the site: pydantic models, then references to the site (zones, devices, rules), every problem
as `file:line: key: message — hint`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from config.errors import ConfigError, ConfigIssue, InvalidValue, KeyPath
from config.loader import Site
from config.models import Identifier, RoomKind
from config.source import Source, load_yaml
from config.standards import Confidence, RuleSpec, Severity, StandardSpec, load_standards
from config.types import Seconds
from config.validation import validate
from sensors import Quantity


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    """`quantity: door_state` is the one-element list `[door_state]`."""
    return [value] if isinstance(value, str) else value


class Role(Strict):
    id: Identifier
    name: str = Field(description="中文 / English")
    who: str = Field(default="", description="the post that holds it: 中心主任, 安全员 …")


class Step(Strict):
    id: Identifier
    text: str = Field(description="what to do, 中文 / English")
    role: Identifier | None = None


class Selector(Strict):
    """Which sensors (or alert bindings) a live check looks at; every given key narrows the choice."""

    zones: list[Identifier] = Field(default_factory=list)
    evacuation_route: bool | None = None
    room_kinds: list[RoomKind] = Field(default_factory=list)
    underground: bool | None = Field(default=None, description="zones on a basement floor (B1, B2 …)")
    devices: list[Identifier] = Field(default_factory=list)
    sensors: list[str] = Field(default_factory=list, description="sensor id patterns: em-ctrl.lamp_*")
    quantity: Annotated[list[Quantity], BeforeValidator(_as_list)] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="an alert rule (standard/rule): its bindings")


class Expect(Strict):
    """What every selected sensor must show: one of `states`, or a value within min–max (canonical unit)."""

    states: list[str] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None


class LiveCheck(Strict):
    select: Selector
    expect: Expect | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.select.rule is not None:
            if self.expect is not None or self.select.quantity:
                raise InvalidValue(
                    "规则检查不需 quantity/expect / a rule check takes neither quantity nor expect",
                    "the rule's own limit applies; remove them, or select by quantity without rule",
                    key="expect" if self.expect is not None else "select",
                )
            return self
        if not self.select.quantity or self.expect is None:
            raise InvalidValue(
                "缺少 quantity 或 expect / a sensor check needs select.quantity and expect",
                "e.g. {select: {zones: [stair-e], quantity: door_state}, expect: {states: [closed]}}",
                key="select" if not self.select.quantity else "expect",
            )
        for quantity in self.select.quantity:
            self._check_expect(quantity, self.expect)
        return self

    @staticmethod
    def _check_expect(quantity: Quantity, expect: Expect) -> None:
        info = quantity.info
        if info.is_state:
            unknown = [s for s in expect.states if s not in info.states]
            if not expect.states or unknown or expect.min is not None or expect.max is not None:
                what = f"未知状态 / unknown states {unknown}" if unknown else "需要 states / needs states"
                raise InvalidValue(
                    f"{what} of {quantity.value}",
                    f"valid: expect: {{states: [...]}} of {', '.join(info.states)}",
                    key="expect",
                )
        elif expect.states or (expect.min is None and expect.max is None):
            raise InvalidValue(
                f"{quantity.value} 是测量值 / {quantity.value} is a measurement",
                f"valid: expect: {{min: …, max: …}} in {info.unit or 'its unit'}",
                key="expect",
            )


class Item(Strict):
    id: Identifier = Field(description="unique in the plan: sign-offs name it")
    text: str = Field(description="中文 / English")
    role: Identifier | None = None
    live: list[LiveCheck] = Field(default_factory=list, description="none: a manual item, checked and signed")


class Section(Strict):
    id: Identifier
    name: str = Field(description="中文 / English")
    roles: list[Role] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)


class Every(StrEnum):
    DAY = "day"
    WEEK = "week"
    HALF_MONTH = "half-month"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Measure(Strict):
    """A value an inspection records (a discharge's duration); outside its limit, the inspection fails."""

    id: Identifier
    name: str = Field(description="中文 / English")
    unit: str = ""
    min: float | None = None
    max: float | None = None
    rule: str | None = Field(default=None, description="take min/max/unit from this catalog rule")
    quantity: Quantity | None = Field(default=None, description="the sensor a self-test record reads it from")

    @model_validator(mode="after")
    def _limited(self) -> Self:
        if (self.rule is None) == (self.min is None and self.max is None):
            raise InvalidValue(
                "限值：rule 或 min/max 二选一 / a measure takes its limit from rule or from min/max",
                "e.g. rule: gb-51309-2018/discharge-too-short, or min: 30 with unit: min",
                key="rule" if self.rule is not None else "min",
            )
        return self


class TaskSource(Strict):
    standard: str = ""
    clause: str = ""
    wording: str = ""
    confidence: Confidence = Confidence.POLICY


class InspectionSpec(Strict):
    id: Identifier
    name: str = Field(description="中文 / English")
    every: Every
    underground: Every | None = Field(default=None, description="period in basement zones (GB 50444 §5.2.2)")
    zones: list[Identifier] = Field(default_factory=list, description="one task per zone; one task if empty")
    remind: Seconds | None = Field(default=None, ge=0, description="remind this long before it is due")
    measures: list[Measure] = Field(default_factory=list)
    self_test: Quantity | None = Field(
        default=None, description="a controller's days-since-test quantity: its tests are recorded"
    )
    severity: Severity = Field(default=Severity.WARNING, description="of the alert when it is failed")
    source: TaskSource = TaskSource()


class Plan(Strict):
    name: str
    version: str = ""
    sections: Annotated[list[Section], Field(min_length=1)]
    inspections: list[InspectionSpec] = Field(default_factory=list)

    def item(self, ident: str) -> tuple[Section, Item] | None:
        for section in self.sections:
            for item in section.items:
                if item.id == ident:
                    return section, item
        return None

    def section(self, ident: str) -> Section | None:
        return next((s for s in self.sections if s.id == ident), None)


def load_plan(site: Site, standards: Mapping[str, StandardSpec] | None = None) -> Plan:
    """The plan the site's `safety.plan` names (a shipped id or a file), checked against the site;
    ConfigError with file:line."""
    if site.config.safety is None:
        raise ValueError("the site has no safety: section")
    path = site.config.safety.plan_file(site.base_dir)
    source = load_yaml(path)
    plan = validate(Plan, source)
    catalog = load_standards() if standards is None else standards
    issues = _PlanCheck(site, source, catalog).run(plan)
    if issues:
        raise ConfigError(issues)
    return plan


def rule_spec(rule: str, standards: Mapping[str, StandardSpec]) -> RuleSpec | None:
    standard, _, ident = rule.partition("/")
    spec = standards.get(standard)
    return next((r for r in spec.rules if r.id == ident), None) if spec else None


class _PlanCheck:
    """References from the plan to the site and the standards catalog, each issue at its line."""

    def __init__(self, site: Site, source: Source, standards: Mapping[str, StandardSpec]) -> None:
        self.source, self.standards = source, standards
        self.zones = {z.id for z in site.config.zones}
        self.devices = {d.id for d in site.config.devices}
        if site.config.mqtt is not None:
            self.devices |= {d.id for s in site.config.mqtt.subscriptions for d in s.devices.values()}
        self.issues: list[ConfigIssue] = []

    def unknown(self, key: KeyPath, kind: tuple[str, str], value: str, valid: set[str]) -> None:
        if value not in valid:
            message = f"未知{kind[0]} / unknown {kind[1]} {value!r}"
            self.issues.append(self.source.issue(key, message, f"valid: {', '.join(sorted(valid))}"))

    def rule(self, key: KeyPath, rule: str) -> None:
        if rule_spec(rule, self.standards) is None:
            self.issues.append(
                self.source.issue(
                    key,
                    f"未知规则 / unknown rule {rule!r}",
                    "valid: standard/rule as in config/standards/*.yaml, e.g. gb-t-18883-2022/co2-1h",
                )
            )

    def duplicate(self, key: KeyPath, ident: str, seen: set[str]) -> None:
        if ident in seen:
            self.issues.append(
                self.source.issue(key, f"id 重复 / duplicate id {ident!r}", "ids must be unique")
            )
        seen.add(ident)

    def run(self, plan: Plan) -> list[ConfigIssue]:
        items: set[str] = set()
        sections: set[str] = set()
        for i, section in enumerate(plan.sections):
            where: KeyPath = ("sections", i)
            self.duplicate((*where, "id"), section.id, sections)
            roles = {r.id for r in section.roles}
            steps: set[str] = set()
            for j, step in enumerate(section.steps):
                self.duplicate((*where, "steps", j, "id"), step.id, steps)
                if step.role is not None:
                    self.unknown((*where, "steps", j, "role"), ("角色", "role"), step.role, roles)
            for j, item in enumerate(section.items):
                self.duplicate((*where, "items", j, "id"), item.id, items)
                if item.id in steps:
                    self.duplicate((*where, "items", j, "id"), item.id, steps)
                if item.role is not None:
                    self.unknown((*where, "items", j, "role"), ("角色", "role"), item.role, roles)
                for k, check in enumerate(item.live):
                    self.selector((*where, "items", j, "live", k, "select"), check.select)
        tasks: set[str] = set()
        for i, task in enumerate(plan.inspections):
            self.duplicate(("inspections", i, "id"), task.id, tasks)
            for j, zone in enumerate(task.zones):
                self.unknown(("inspections", i, "zones", j), ("区域", "zone"), zone, self.zones)
            for j, measure in enumerate(task.measures):
                if measure.rule is not None:
                    self.rule(("inspections", i, "measures", j, "rule"), measure.rule)
        return self.issues

    def selector(self, key: KeyPath, select: Selector) -> None:
        for n, zone in enumerate(select.zones):
            self.unknown((*key, "zones", n), ("区域", "zone"), zone, self.zones)
        for n, device in enumerate(select.devices):
            self.unknown((*key, "devices", n), ("设备", "device"), device, self.devices)
        if select.rule is not None:
            self.rule((*key, "rule"), select.rule)
