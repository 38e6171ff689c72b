"""Build the monthly report once, from the sources, for a period and a set of zones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from compliance import history, records
from compliance.lab import results as lab_results
from compliance.limits import overrides, unconfirmed
from compliance.model import (
    Drill,
    LabRow,
    MonthlyReport,
    ParameterFigures,
    Period,
    SignOff,
    Summary,
    TaskFigures,
    TestRecord,
)
from compliance.sources import Sources
from compliance.windows import ZONE_STATISTICS, WindowReader, by_zone, figures
from config.standards import Statistic


class ReportError(ValueError):
    """A report that cannot be made as asked (an unknown zone)."""


async def build_report(sources: Sources, period: Period, zones: Sequence[str] = ()) -> MonthlyReport:
    """The report of `period` for `zones` (every zone when empty); ReportError for an unknown zone."""
    site = sources.site
    known = {z.id: z for z in site.config.zones}
    unknown = [z for z in zones if z not in known]
    if unknown:
        raise ReportError(f"未知区域 / unknown zone {', '.join(unknown)}: valid {', '.join(known)}")
    chosen = {z: known[z] for z in (zones or list(known))}
    environment: list[ParameterFigures] = []
    lighting: list[ParameterFigures] = []
    series = {}
    reported = by_zone(sources.bindings, chosen)
    reader = WindowReader(sources.readings, period, reported)
    for binding in reported:
        row, values = await figures(site, binding, period, reader)
        reader.done(binding)
        assert binding.rule is not None
        if row.windows == 0:
            continue  # the rule never applied in the period (another season)
        (lighting if binding.rule.statistic in ZONE_STATISTICS else environment).append(row)
        series[binding.key] = values
    events = await history.period_events(sources.alerts, period)
    fault_keys = {
        b.key
        for b in sources.bindings
        if b.zone in chosen and b.rule is not None and b.rule.statistic is Statistic.STATE
    }
    answer_within = site.config.compliance.answer_within
    alerts, occurrences = history.alert_figures(events, period, chosen, answer_within)
    alerts = await history.with_deliveries(alerts, sources.deliveries, period)
    faults = await history.faults(sources.alerts, fault_keys, events, period)
    tests: list[TestRecord] = []
    tasks: list[TaskFigures] = []
    signoffs: list[SignOff] = []
    drills: list[Drill] = []
    if sources.journal is not None and sources.safety is not None:
        tests, tasks = await records.tests_and_tasks(sources.journal, sources.safety, period, chosen)
        signoffs = await records.signoffs(sources.journal, period)
        drills = await records.drills(sources.journal, sources.safety, period)
    lab = [
        LabRow(
            id=r.id,
            parameter=r.parameter,
            name=r.name,
            zone=r.zone,
            value=r.value,
            unit=r.unit,
            limit=r.limit,
            compliant=r.compliant,
            standard=r.standard,
            clause=r.clause,
            method=r.method,
            laboratory=r.laboratory,
            report_no=r.report_no,
            sampled_at=r.sampled_at.astimezone(period.start.tzinfo),
            entered_by=r.entered_by,
        )
        for r in await lab_results(sources.database, period.start, period.end, list(chosen))
    ]
    bound = [b for b in sources.bindings if b.zone in chosen]
    rows = [*environment, *lighting]
    windows = sum(r.windows for r in rows)
    valid = sum(r.windows_valid for r in rows)
    report = MonthlyReport(
        site=site.config.site.name,
        generated=datetime.now(UTC).astimezone(period.start.tzinfo),
        period=period,
        zones=list(chosen),
        answer_within_seconds=answer_within,
        summary=Summary(
            parameters=len(rows),
            completeness=valid / windows if windows else None,
            compliance=sum(r.windows_compliant for r in rows) / valid if valid else None,
            parameters_with_episodes=sum(r.episodes > 0 for r in rows),
            episodes=sum(r.episodes for r in rows),
            faults=len(faults),
            tests_failed=sum(t.result == "fail" for t in tests),
            alerts_fired=alerts.fired,
            alerts_late=alerts.late,
            inspections_overdue=sum(t.state_at_end == "overdue" for t in tasks),
            drills=len(drills),
        ),
        environment=environment,
        lighting=lighting,
        faults=faults,
        tests=tests,
        alerts=alerts,
        occurrences=occurrences,
        signoffs=signoffs,
        inspections=tasks,
        drills=drills,
        overrides=overrides(bound),
        unconfirmed=unconfirmed(bound),
        lab=lab,
    )
    report.series.update(series)
    return report
