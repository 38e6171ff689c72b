"""Reports: pick a month and zones, preview the compliance report's figures, and download it as XLSX,
PDF or CSV — the same route as the API (`export` permission; every preview and download audited)."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component

from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.reports import Format, monthly
from compliance.model import MonthlyReport, ParameterFigures
from dashboard.access import ContextGetter, principal
from dashboard.format import number, when
from dashboard.pages import Page, Query
from dashboard.pages.overview import local
from dashboard.text import Lang, t

MONTHS = 12  # months offered, the newest first


def months(today: date) -> list[str]:
    out, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    offered = months(datetime.now(context.site.config.site.tz).date())
    chosen = query.get("month") if query.get("month") in offered else offered[1]  # default: last month
    zones = [
        {"label": z.name if lang == "zh" or not z.name_en else z.name_en, "value": z.id}
        for z in context.site.config.zones
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Label(
                        [t("month", lang), dcc.Dropdown(id="report-month", options=offered, value=chosen)]
                    ),
                    html.Label(
                        [
                            t("zones", lang),
                            dcc.Dropdown(id="report-zones", options=zones, multi=True, value=[]),
                        ],
                        className="grow",
                    ),
                    html.Button(t("preview", lang), id="report-preview", className="button primary"),
                ],
                className="controls",
            ),
            html.Div(id="report-downloads", className="actions"),
            dcc.Loading(html.Div(id="report-body")),
        ]
    )


def download_links(month: str, zones: list[str], lang: Lang) -> list[Component]:
    links: list[Component] = []
    for kind in (Format.XLSX, Format.PDF, Format.CSV):
        query = urlencode([("month", month), ("format", kind.value), *(("zone", z) for z in zones)])
        links.append(
            html.A(
                f"{t('download', lang)} {kind.value.upper()}",
                href=f"/api/v1/reports/monthly?{query}",
                className="button",
                download="",
            )
        )
    return links


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def figures_table(rows: list[ParameterFigures], lang: Lang, report: MonthlyReport) -> Component:
    keys = ("zone", "parameter", "limit", "completeness", "compliance", "worst", "episodes")
    head = html.Tr([html.Th(t(k, lang)) for k in keys])
    tz = report.period.start.tzinfo
    body = [
        html.Tr(
            [
                html.Td(r.zone_name),
                html.Td(
                    [
                        local(r.name, lang),
                        html.Div(f"{r.subject} · {r.standard} {r.clause}", className="quiet"),
                    ]
                ),
                html.Td(r.limit),
                html.Td(percent(r.completeness)),
                html.Td(percent(r.compliance), className="problem" if (r.compliance or 1) < 1 else ""),
                html.Td(
                    f"{number(r.worst_value)} {r.unit}"
                    + (f" · {when(r.worst_at, tz)}" if r.worst_at and tz else "")
                ),
                html.Td(r.episodes),
            ]
        )
        for r in rows
    ]
    return html.Table([html.Thead(head), html.Tbody(body)], className="table")


def preview(report: MonthlyReport, lang: Lang) -> Component:
    s = report.summary
    facts = [
        (t("completeness", lang), percent(s.completeness)),
        (t("compliance", lang), percent(s.compliance)),
        (t("episodes", lang), str(s.episodes)),
        (t("faults", lang), str(s.faults)),
        (t("alerts", lang), f"{s.alerts_fired} ({t('late', lang)} {s.alerts_late})"),
        (t("inspections_overdue", lang), str(s.inspections_overdue)),
        (t("drills", lang), str(s.drills)),
    ]
    return html.Div(
        [
            html.H2(f"{report.site} · {report.period.month}"),
            html.Dl([part for k, v in facts for part in (html.Dt(k), html.Dd(v))], className="evidence"),
            html.P(report.notice_zh if lang == "zh" else report.notice_en, className="quiet"),
            html.H2(t("environment", lang)),
            figures_table(report.environment, lang, report),
            html.H2(t("lighting", lang)),
            figures_table(report.lighting, lang, report),
        ]
    )


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("report-body", "children"),
        Output("report-downloads", "children"),
        Input("report-preview", "n_clicks"),
        State("report-month", "value"),
        State("report-zones", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    async def show(
        _clicks: int | None, month: str, zones: list[str] | None, lang: Lang
    ) -> tuple[Component, list[Component]]:
        """Build the month's report through the API's route (audited), and offer its files."""
        ctx = context()
        who = await principal(ctx)
        if not who.can(Permission.EXPORT):
            return html.P(t("not_allowed", lang), className="message error"), []
        answer = await monthly(ctx, who, month=month, zone=zones or None, format=Format.JSON)
        report = MonthlyReport.model_validate_json(bytes(answer.body))
        return preview(report, lang), download_links(month, zones or [], lang)


PAGE = Page("/reports", "reports", Permission.EXPORT, render, register)
