"""The monthly report as data: what the API returns as JSON and every file format is rendered from.

Computed once per period and set of zones (`compliance.report.build_report`), so an XLSX, a PDF, a CSV
and the API's JSON carry the same numbers. Durations are seconds, shares are fractions (0–1), times
are ISO 8601 in the site's timezone.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, PrivateAttr

INDICATIVE_ZH = (
    "本报告中的连续传感器监测结果为指示性数据，并非 GB/T 18883 规定的采样检测方法"
    "（标准要求关闭门窗 12 小时后按规定布点、时长采样）；正式评价以人工采样及实验室检测结果为准。"
)
INDICATIVE_EN = (
    "Continuous sensor monitoring in this report is indicative: it is not the formal sampling method of "
    "GB/T 18883 (a sampling campaign with doors and windows closed for 12 h, prescribed points and "
    "durations); formal conformity rests on manual sampling and laboratory results."
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Period(Frozen):
    month: str  # 2026-10
    start: datetime  # local midnight of the first day
    end: datetime  # local midnight of the next month's first day (exclusive)
    timezone: str


class ParameterFigures(Frozen):
    """One limit on one sensor (or a zone's sensors together) over the period, window by window."""

    zone: str
    zone_name: str
    key: str  # the alert's binding key
    rule: str  # standard/rule
    name: str
    subject: str  # the sensor, or the zone for a zone statistic
    statistic: str
    unit: str
    limit: str  # "≤ 0.08 mg/m³"
    max: float | None
    min: float | None
    standard: str  # GB/T 18883-2022
    edition: str  # 2022
    clause: str
    wording: str
    confidence: str
    override_reason: str
    window_seconds: float
    windowing: str  # how windows are laid: clock hours, 8-h blocks, calendar days …
    min_data_seconds: float  # data a window needs to count (the standard's minimum sampling time)
    windows: int  # windows in the period where the rule applies (season, opening hours)
    windows_valid: int  # of those, with enough data
    completeness: float | None  # windows_valid / windows
    windows_compliant: int
    compliance: float | None  # windows_compliant / windows_valid
    mean: float | None  # the mean of the valid windows' values
    worst_value: float | None
    worst_at: datetime | None  # the worst window's start
    episodes: int  # runs of consecutive non-compliant windows
    exceedance_seconds: float  # their total duration


class Fault(Frozen):
    """An emergency-lighting or exit fault from the alert history: when it began, ended, who answered."""

    key: str
    name: str
    subject: str
    zone: str | None
    started: datetime
    ended: datetime | None  # None: still open at the period's end
    duration_seconds: float
    acknowledged_by: str | None


class TestRecord(Frozen):
    """A periodic test or inspection done (GB 51309 monthly/annual tests: discharge measured vs required)."""

    __test__ = False  # not a pytest class
    id: int
    task: str
    name: str
    zone: str | None
    performed: datetime
    result: str  # pass | fail
    source: str  # manual | self-test
    actor: str
    measured: str  # "duration = 0.6"
    required: str  # "duration ≥ 0.5 h"
    note: str


class Occurrence(Frozen):
    """One alert from firing to resolved, with the times to acknowledge and resolve."""

    key: str
    name: str
    severity: str
    zone: str | None
    fired: datetime
    acknowledged: datetime | None
    acknowledged_by: str | None
    resolved: datetime | None
    ack_seconds: float | None
    resolve_seconds: float | None
    late: bool  # answered (acknowledged) later than the site's committed time, or not at all by then


class AlertFigures(Frozen):
    answer_within_seconds: float
    by_severity: dict[str, int]  # alerts fired in the period, per severity
    fired: int
    acknowledged: int
    resolved: int
    open_at_end: int
    ack_median_seconds: float | None  # warning and critical alerts (info notices need no answer)
    ack_worst_seconds: float | None
    resolve_median_seconds: float | None
    resolve_worst_seconds: float | None
    late: int
    notifications_sent: int
    notifications_failed: int
    sent_by_channel: dict[str, int]


class SignOff(Frozen):
    id: int
    time: datetime
    item: str
    section: str
    result: str
    actor: str
    note: str
    corrects: int | None


class TaskFigures(Frozen):
    """An inspection task: records in the period against what was due."""

    task: str
    name: str
    zone: str | None
    every: str
    done: int
    passed: int
    failed: int
    last_done: str | None  # date
    next_due: str  # date
    state_at_end: str  # ok | due_soon | overdue


class Drill(Frozen):
    id: int
    section: str
    section_name: str
    kind: str
    started: datetime
    ended: datetime | None
    duration_seconds: float | None
    steps: int
    steps_signed: int
    started_by: str


class Override(Frozen):
    """A limit the site tightened or loosened, with its recorded reason."""

    key: str
    name: str
    zone: str | None
    standard_limit: str
    site_limit: str
    direction: str  # tightened | loosened
    reason: str


class Unconfirmed(Frozen):
    key: str
    name: str
    zone: str | None
    subject: str
    confidence: str
    clause: str


class LabRow(Frozen):
    """A manual or laboratory result in force (compliance.lab), beside the sensor-based figures."""

    id: int
    parameter: str
    name: str
    zone: str
    value: float
    unit: str
    limit: str
    compliant: bool | None  # None: no limit applies in the zone
    standard: str
    clause: str
    method: str
    laboratory: str
    report_no: str
    sampled_at: datetime
    entered_by: str


class Summary(Frozen):
    parameters: int
    completeness: float | None  # valid windows / applicable windows, all parameters
    compliance: float | None  # compliant / valid windows, all parameters
    parameters_with_episodes: int
    episodes: int
    faults: int
    tests_failed: int
    alerts_fired: int
    alerts_late: int
    inspections_overdue: int
    drills: int


class MonthlyReport(Frozen):
    site: str
    generated: datetime
    period: Period
    zones: list[str]
    answer_within_seconds: float
    summary: Summary
    environment: list[ParameterFigures]
    lighting: list[ParameterFigures]
    faults: list[Fault]
    tests: list[TestRecord]
    alerts: AlertFigures
    occurrences: list[Occurrence]
    signoffs: list[SignOff]
    inspections: list[TaskFigures]
    drills: list[Drill]
    overrides: list[Override]
    unconfirmed: list[Unconfirmed]
    lab: list[LabRow]
    notice_zh: str = INDICATIVE_ZH
    notice_en: str = INDICATIVE_EN
    _series: dict[str, list[tuple[datetime, float]]] = PrivateAttr(default_factory=dict)

    @property
    def series(self) -> dict[str, list[tuple[datetime, float]]]:
        """Per parameter key: the valid windows' values, for the PDF's charts (not in the JSON)."""
        return self._series
