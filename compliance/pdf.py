"""The report as a PDF: A4 landscape, a summary page first, then each section and the month's charts.

Chinese text uses Noto Sans CJK SC cut to the report's characters and embedded (`compliance.fonts`),
so the file shows and its text extracts the same on any reader. Charts are reportlab drawings: each
parameter's valid window values over the month, with its limit as a line.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from compliance.fonts import cjk_font
from compliance.model import MonthlyReport, ParameterFigures
from compliance.tables import Table, tables

PAGE = landscape(A4)
CHART_POINTS = 800  # per chart: about one per hour of a month; a page shows no more
CHART_TITLE = (
    "{name}（{subject}）限值 {limit}，横轴为日 / window values against the limit, x: day of the month"
)


def render_pdf(report: MonthlyReport) -> bytes:
    sections = tables(report)
    charted = [r for r in [*report.environment, *report.lighting] if report.series.get(r.key)]
    title = f"{report.site} 月度合规报告 / Monthly compliance report {report.period.month}"
    font = _font(title, sections, charted)
    styles = _Styles(font)
    story: list[Flowable] = [Paragraph(escape(title), styles.title), Spacer(1, 4 * mm)]
    story += _table(sections[0], styles, summary=True)
    for section in sections[1:]:
        story += [PageBreak(), Paragraph(escape(section.title), styles.heading)]
        story += _table(section, styles) if section.rows else [Paragraph("无记录 / no records", styles.cell)]
    if charted:
        story += [PageBreak(), Paragraph("月度曲线 / The month's series", styles.heading)]
        story += [_chart(report, row, font) for row in charted]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=PAGE, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=12 * mm,
        title=title, author="安境 Anjing",
    )  # fmt: skip
    doc.build(story, onFirstPage=_footer(report, font), onLaterPages=_footer(report, font))
    return out.getvalue()


class _Styles:
    def __init__(self, font: str) -> None:
        self.title = ParagraphStyle("title", fontName=font, fontSize=16, leading=20)
        self.heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=16, spaceAfter=6)
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=6.5, leading=8)
        self.head = ParagraphStyle("head", fontName=font, fontSize=6.5, leading=8, textColor=colors.white)
        self.summary = ParagraphStyle("summary", fontName=font, fontSize=9, leading=12)
        self.summary_head = ParagraphStyle("summary_head", parent=self.summary, textColor=colors.white)


def _font(title: str, sections: list[Table], charted: list[ParameterFigures]) -> str:
    """Register the report's font, subset to every character it will print."""
    name = "AnjingNotoSansSC"
    texts = [title, "无记录 / no records", "月度曲线 / The month's series", "第 页 / page 0123456789"]
    for section in sections:
        texts += [section.title, *section.headers, *(c.text for row in section.rows for c in row)]
    texts += [CHART_TITLE.format(name=r.name, subject=r.subject, limit=r.limit) for r in charted]
    pdfmetrics.registerFont(TTFont(name, io.BytesIO(cjk_font(texts))))
    return name


def _table(table: Table, styles: _Styles, *, summary: bool = False) -> list[Flowable]:
    shown = table.in_pdf
    head, cell = (styles.summary_head, styles.summary) if summary else (styles.head, styles.cell)
    header = [Paragraph(escape(table.headers[i]), head) for i in shown]
    body = [[Paragraph(escape(row[i].text), cell) for i in shown] for row in table.rows]
    width = PAGE[0] - 20 * mm
    weights = [table.widths[i] for i in shown]
    columns = [width * w / sum(weights) for w in weights] if summary or len(shown) > 2 else None
    grid = PdfTable([header, *body], colWidths=columns, repeatRows=1)
    grid.setStyle(
        TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#2F5597")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F2F2")]),
        ])
    )  # fmt: skip
    return [grid]


def _chart(report: MonthlyReport, row: ParameterFigures, font: str) -> Drawing:
    """The row's window values (x: days into the month) with its limit(s) as flat lines."""
    width, height = PAGE[0] - 20 * mm, 52 * mm
    start = report.period.start
    days = (report.period.end - start).total_seconds() / 86400

    def x(t: datetime) -> float:
        return (t - start).total_seconds() / 86400

    points = _thinned([(x(t), v) for t, v in report.series[row.key]], high=row.max is not None)
    lines = [points] + [[(0.0, limit), (days, limit)] for limit in (row.max, row.min) if limit is not None]
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 9, CHART_TITLE.format(name=row.name, subject=row.subject, limit=row.limit),
                       fontName=font, fontSize=8))  # fmt: skip
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 30, 15, width - 40, height - 32
    plot.data = lines
    plot.lines[0].strokeColor, plot.lines[0].strokeWidth = colors.HexColor("#2F5597"), 0.6
    for index in range(1, len(lines)):
        plot.lines[index].strokeColor, plot.lines[index].strokeWidth = colors.red, 0.8
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax, plot.xValueAxis.valueStep = 0, days, 5
    values = [v for _, v in points] + [v for v in (row.max, row.min) if v is not None]
    plot.yValueAxis.valueMin = min(0.0, *values)
    plot.yValueAxis.valueMax = max(values) * 1.1 if max(values) > 0 else 1.0
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = font, 6
    drawing.add(plot)
    return drawing


def _thinned(points: list[tuple[float, float]], *, high: bool) -> list[tuple[float, float]]:
    """At most CHART_POINTS points: each bin of consecutive windows drawn by its worst value (the highest
    against a maximum, else the lowest), so a short exceedance stays visible."""
    size = -(-len(points) // CHART_POINTS)
    if size <= 1:
        return points
    pick = max if high else min
    bins = [points[i : i + size] for i in range(0, len(points), size)]
    return [(b[0][0], pick(v for _, v in b)) for b in bins]


def _footer(report: MonthlyReport, font: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(10 * mm, 6 * mm, f"{report.site} {report.period.month}")
        page = canvas.getPageNumber()
        canvas.drawRightString(PAGE[0] - 10 * mm, 6 * mm, f"第 {page} 页 / page {page}")
        canvas.restoreState()

    return draw
