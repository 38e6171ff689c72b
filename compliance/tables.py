"""The report as tables, one per section: the one layout the XLSX sheets, CSV files and PDF pages share.

A cell keeps its typed value and how to show it; `Cell.text` is the text CSV and PDF print and the
XLSX number format shows the same digits, so a figure reads alike in every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from compliance.model import MonthlyReport


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # `decimals` places
    PERCENT = "percent"  # a fraction shown as a percentage with `decimals` places
    HOURS = "hours"  # seconds shown as hours
    MINUTES = "minutes"  # seconds shown as minutes
    TIME = "time"  # site time, to the minute
    YESNO = "yesno"


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any  # str | int | float | datetime | bool | None
    kind: Kind = Kind.TEXT
    decimals: int = 2

    @property
    def number(self) -> Any:
        """The value as a spreadsheet holds it (hours and minutes converted, times without zone)."""
        if self.value is None:
            return None
        if self.kind is Kind.HOURS:
            return self.value / 3600
        if self.kind is Kind.MINUTES:
            return self.value / 60
        if self.kind is Kind.TIME:
            value: datetime = self.value
            return value.replace(tzinfo=None, second=0, microsecond=0)
        if self.kind is Kind.YESNO:
            return "是 / yes" if self.value else "否 / no"
        return self.value

    @property
    def text(self) -> str:
        value = self.number
        if value is None:
            return ""
        if self.kind is Kind.PERCENT:
            return f"{value * 100:.{self.decimals}f}%"
        if self.kind in (Kind.NUMBER, Kind.HOURS, Kind.MINUTES):
            return f"{value:.{self.decimals}f}"
        if self.kind is Kind.TIME:
            return str(value.strftime("%Y-%m-%d %H:%M"))
        return str(value)

    @property
    def excel_format(self) -> str:
        if self.kind is Kind.PERCENT:
            return "0." + "0" * self.decimals + "%" if self.decimals else "0%"
        if self.kind in (Kind.NUMBER, Kind.HOURS, Kind.MINUTES):
            return "0." + "0" * self.decimals if self.decimals else "0"
        if self.kind is Kind.INT:
            return "0"
        if self.kind is Kind.TIME:
            return "yyyy-mm-dd hh:mm"
        return "@"


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # 中文 / English
    get: Callable[[Any], Any]
    kind: Kind = Kind.TEXT
    decimals: int = 2
    in_pdf: bool = True  # the PDF's pages are narrower than a sheet: details stay in XLSX and CSV


@dataclass(frozen=True, slots=True)
class Table:
    id: str  # file and sheet name: environment
    title: str  # 中文 / English
    headers: list[str]
    rows: list[list[Cell]]
    widths: list[int]  # characters, for the spreadsheet and the PDF
    in_pdf: list[int]  # indexes of the columns the PDF shows


def _table(ident: str, title: str, columns: Sequence[Column], items: Sequence[Any]) -> Table:
    rows = [[Cell(c.get(item), c.kind, c.decimals) for c in columns] for item in items]
    widths = [
        min(40, max(8, len(c.header.rpartition(" / ")[2]) + 1, *(len(r[i].text) + 2 for r in rows)))
        for i, c in enumerate(columns)
    ]
    shown = [i for i, c in enumerate(columns) if c.in_pdf]
    return Table(ident, title, [c.header for c in columns], rows, widths, shown)


def _figures_columns(mean: str) -> list[Column]:
    return [
        Column("区域 / Zone", lambda r: r.zone_name or r.zone),
        Column("参数 / Parameter", lambda r: r.name),
        Column("对象 / Subject", lambda r: r.subject),
        Column("限值 / Limit", lambda r: r.limit),
        Column("标准 / Standard", lambda r: r.standard),
        Column("版本 / Edition", lambda r: r.edition, in_pdf=False),
        Column("条款 / Clause", lambda r: r.clause),
        Column("平均时间(h) / Window (h)", lambda r: r.window_seconds, Kind.HOURS, 2, in_pdf=False),
        Column("窗口划分 / Windows", lambda r: r.windowing),
        Column("最少数据(h) / Min data (h)", lambda r: r.min_data_seconds, Kind.HOURS, 2, in_pdf=False),
        Column("适用窗口 / Windows", lambda r: r.windows, Kind.INT, in_pdf=False),
        Column("有效窗口 / Valid", lambda r: r.windows_valid, Kind.INT),
        Column("数据完整率 / Completeness", lambda r: r.completeness, Kind.PERCENT),
        Column("达标窗口 / Compliant", lambda r: r.windows_compliant, Kind.INT, in_pdf=False),
        Column("达标率 / Compliance", lambda r: r.compliance, Kind.PERCENT),
        Column(mean, lambda r: r.mean, Kind.NUMBER, 3),
        Column("最差值 / Worst", lambda r: r.worst_value, Kind.NUMBER, 3),
        Column("最差时段 / Worst at", lambda r: r.worst_at, Kind.TIME),
        Column("超标次数 / Episodes", lambda r: r.episodes, Kind.INT),
        Column("超标时长(h) / Exceeded (h)", lambda r: r.exceedance_seconds, Kind.HOURS, 2),
        Column("可信度 / Confidence", lambda r: r.confidence, in_pdf=False),
        Column("调整原因 / Override reason", lambda r: r.override_reason, in_pdf=False),
    ]


def tables(report: MonthlyReport) -> list[Table]:
    """Every section, the summary first."""
    a = report.alerts
    return [
        _summary(report),
        _table("environment", "室内环境 / Indoor environment", _figures_columns("均值 / Mean"), report.environment),
        _table("lighting", "照明（营业时间）/ Lighting (opening hours)", _figures_columns("均值 / Mean"), report.lighting),
        _table("faults", "应急照明与疏散故障 / Emergency lighting and exit faults", [
            Column("区域 / Zone", lambda f: f.zone or ""),
            Column("故障 / Fault", lambda f: f.name),
            Column("对象 / Subject", lambda f: f.subject),
            Column("开始 / Started", lambda f: f.started, Kind.TIME),
            Column("结束 / Ended", lambda f: f.ended, Kind.TIME),
            Column("时长(h) / Duration (h)", lambda f: f.duration_seconds, Kind.HOURS, 2),
            Column("确认人 / Acknowledged by", lambda f: f.acknowledged_by or ""),
        ], report.faults),
        _table("tests", "检查与测试记录 / Inspections and tests", [
            Column("任务 / Task", lambda t: t.name),
            Column("区域 / Zone", lambda t: t.zone or ""),
            Column("完成时间 / Performed", lambda t: t.performed, Kind.TIME),
            Column("结果 / Result", lambda t: t.result),
            Column("实测 / Measured", lambda t: t.measured),
            Column("要求 / Required", lambda t: t.required),
            Column("来源 / Source", lambda t: t.source),
            Column("执行人 / By", lambda t: t.actor),
            Column("备注 / Note", lambda t: t.note),
        ], report.tests),
        _table("alerts", "告警统计 / Alerts", [
            Column("指标 / Figure", lambda kv: kv[0]),
            Column("数值 / Value", lambda kv: kv[1], Kind.INT),
        ], [
            ("触发 / Fired", a.fired),
            *((f"级别 {s} / Severity {s}", n) for s, n in sorted(a.by_severity.items())),
            ("已确认 / Acknowledged", a.acknowledged),
            ("已恢复 / Resolved", a.resolved),
            ("月末未恢复 / Open at end", a.open_at_end),
            ("超时答复 / Answered late", a.late),
            ("通知已发送 / Notifications sent", a.notifications_sent),
            ("通知失败 / Notifications failed", a.notifications_failed),
            *((f"渠道 {c} / Channel {c}", n) for c, n in sorted(a.sent_by_channel.items())),
        ]),
        _table("response", "响应时间(分钟) / Response times (minutes)", [
            Column("指标 / Figure", lambda kv: kv[0]),
            Column("分钟 / Minutes", lambda kv: kv[1], Kind.MINUTES, 1),
        ], [
            ("承诺答复时限 / Committed answer time", a.answer_within_seconds),
            ("确认用时中位数 / Median time to acknowledge", a.ack_median_seconds),
            ("确认用时最长 / Worst time to acknowledge", a.ack_worst_seconds),
            ("恢复用时中位数 / Median time to resolve", a.resolve_median_seconds),
            ("恢复用时最长 / Worst time to resolve", a.resolve_worst_seconds),
        ]),
        _table("occurrences", "告警明细 / Alert occurrences", [
            Column("告警 / Alert", lambda o: o.name),
            Column("级别 / Severity", lambda o: o.severity),
            Column("区域 / Zone", lambda o: o.zone or ""),
            Column("触发 / Fired", lambda o: o.fired, Kind.TIME),
            Column("确认 / Acknowledged", lambda o: o.acknowledged, Kind.TIME),
            Column("确认人 / By", lambda o: o.acknowledged_by or ""),
            Column("恢复 / Resolved", lambda o: o.resolved, Kind.TIME),
            Column("确认用时(min) / To ack (min)", lambda o: o.ack_seconds, Kind.MINUTES, 1),
            Column("恢复用时(min) / To resolve (min)", lambda o: o.resolve_seconds, Kind.MINUTES, 1),
            Column("超时 / Late", lambda o: o.late, Kind.YESNO),
        ], report.occurrences),
        _table("signoffs", "检查表签署 / Checklist sign-offs", [
            Column("时间 / Time", lambda s: s.time, Kind.TIME),
            Column("检查项 / Item", lambda s: s.item),
            Column("章节 / Section", lambda s: s.section),
            Column("结果 / Result", lambda s: s.result),
            Column("签署人 / By", lambda s: s.actor),
            Column("备注 / Note", lambda s: s.note),
            Column("更正记录 / Corrects", lambda s: s.corrects, Kind.INT),
        ], report.signoffs),
        _table("inspections", "巡检完成情况 / Inspections done vs due", [
            Column("任务 / Task", lambda t: t.name),
            Column("区域 / Zone", lambda t: t.zone or ""),
            Column("周期 / Every", lambda t: t.every),
            Column("本期完成 / Done", lambda t: t.done, Kind.INT),
            Column("合格 / Passed", lambda t: t.passed, Kind.INT),
            Column("不合格 / Failed", lambda t: t.failed, Kind.INT),
            Column("最近完成 / Last done", lambda t: t.last_done or ""),
            Column("下次到期 / Next due", lambda t: t.next_due),
            Column("期末状态 / State at end", lambda t: t.state_at_end),
        ], report.inspections),
        _table("drills", "演练 / Drills", [
            Column("章节 / Section", lambda d: d.section_name),
            Column("类型 / Kind", lambda d: d.kind),
            Column("开始 / Started", lambda d: d.started, Kind.TIME),
            Column("结束 / Ended", lambda d: d.ended, Kind.TIME),
            Column("时长(min) / Duration (min)", lambda d: d.duration_seconds, Kind.MINUTES, 1),
            Column("步骤 / Steps", lambda d: d.steps, Kind.INT),
            Column("已签步骤 / Signed", lambda d: d.steps_signed, Kind.INT),
            Column("发起人 / Started by", lambda d: d.started_by),
        ], report.drills),
        _table("overrides", "限值调整 / Limits changed by the site", [
            Column("区域 / Zone", lambda o: o.zone or ""),
            Column("参数 / Parameter", lambda o: o.name),
            Column("标准限值 / Standard", lambda o: o.standard_limit),
            Column("本站限值 / Site", lambda o: o.site_limit),
            Column("方向 / Direction", lambda o: {"tightened": "收紧 / tightened", "loosened": "放宽 / loosened"}[o.direction]),
            Column("原因 / Reason", lambda o: o.reason),
        ], report.overrides),
        _table("unconfirmed", "待核实限值 / Catalog values not confirmed", [
            Column("区域 / Zone", lambda u: u.zone or ""),
            Column("参数 / Parameter", lambda u: u.name),
            Column("对象 / Subjects", lambda u: u.subject),
            Column("可信度 / Confidence", lambda u: u.confidence),
            Column("条款 / Clause", lambda u: u.clause),
        ], report.unconfirmed),
        _table("lab", "人工及实验室检测 / Manual and laboratory results", [
            Column("区域 / Zone", lambda r: r.zone),
            Column("参数 / Parameter", lambda r: r.name),
            Column("结果 / Value", lambda r: r.value, Kind.NUMBER, 3),
            Column("单位 / Unit", lambda r: r.unit),
            Column("限值 / Limit", lambda r: r.limit),
            Column("达标 / Compliant", lambda r: "" if r.compliant is None else ("是 / yes" if r.compliant else "否 / no")),
            Column("方法 / Method", lambda r: r.method),
            Column("实验室 / Laboratory", lambda r: r.laboratory),
            Column("报告编号 / Report no.", lambda r: r.report_no),
            Column("采样时间 / Sampled", lambda r: r.sampled_at, Kind.TIME),
            Column("录入人 / Entered by", lambda r: r.entered_by),
        ], report.lab),
    ]  # fmt: skip


def _summary(report: MonthlyReport) -> Table:
    s = report.summary
    rows: list[tuple[str, Cell]] = [
        ("站点 / Site", Cell(report.site)),
        ("报告月份 / Month", Cell(report.period.month)),
        ("区域 / Zones", Cell(", ".join(report.zones))),
        ("生成时间 / Generated", Cell(report.generated, Kind.TIME)),
        ("监测参数 / Parameters", Cell(s.parameters, Kind.INT)),
        ("数据完整率 / Completeness", Cell(s.completeness, Kind.PERCENT)),
        ("达标率 / Compliance", Cell(s.compliance, Kind.PERCENT)),
        ("超标参数 / Parameters with episodes", Cell(s.parameters_with_episodes, Kind.INT)),
        ("超标次数 / Exceedance episodes", Cell(s.episodes, Kind.INT)),
        ("应急故障 / Faults", Cell(s.faults, Kind.INT)),
        ("测试不合格 / Tests failed", Cell(s.tests_failed, Kind.INT)),
        ("告警 / Alerts fired", Cell(s.alerts_fired, Kind.INT)),
        ("超时答复 / Answered late", Cell(s.alerts_late, Kind.INT)),
        (
            "承诺答复时限(min) / Committed answer time (min)",
            Cell(report.answer_within_seconds, Kind.MINUTES, 0),
        ),
        ("期末逾期巡检 / Inspections overdue at end", Cell(s.inspections_overdue, Kind.INT)),
        ("演练 / Drills", Cell(s.drills, Kind.INT)),
        ("说明 / Notice", Cell(report.notice_zh)),
        ("", Cell(report.notice_en)),
    ]
    return Table(
        "summary",
        "概要 / Summary",
        ["指标 / Figure", "数值 / Value"],
        [[Cell(k), v] for k, v in rows],
        [44, 60],
        [0, 1],
    )
