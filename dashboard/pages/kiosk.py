"""The lobby screen (specification 4.2): no sign-in, large plain words per public zone, rotating through
the zones; it shows only the public subset (`api.kiosk`) and offers nothing that changes anything."""

from __future__ import annotations

from datetime import datetime

from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component

from api.auth import Principal
from api.context import ServiceContext
from api.routes.public import public_zones
from api.schemas import KioskZone
from dashboard.access import ContextGetter
from dashboard.format import number
from dashboard.pages import Page, Query
from dashboard.text import Lang, both

ROTATE_MS = 10_000  # each zone stays this long on screen


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    return html.Div(
        [
            dcc.Interval(id="kiosk-rotate", interval=ROTATE_MS),
            html.Div(id="kiosk-zone", className="kiosk-zone"),
        ],
        className="kiosk",
    )


def zone_view(zone: KioskZone, now: datetime, index: int, count: int) -> Component:
    values = [
        html.Div(
            [
                html.Div(
                    v.name_zh if v.name_en in v.name_zh else f"{v.name_zh} {v.name_en}",
                    className="kiosk-name",
                ),
                html.Div(
                    [
                        html.Span(number(v.value), className="kiosk-number"),
                        html.Span(v.unit, className="unit"),
                    ]
                ),
                html.Div(v.rating_text, className=f"kiosk-rating {v.rating or 'none'}"),
            ],
            className="kiosk-value",
        )
        for v in zone.values
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.H1([zone.name, html.Span(zone.name_en, className="en")]),
                    html.Div(zone.rating_text, className=f"kiosk-overall {zone.rating}"),
                ],
                className="kiosk-head",
            ),
            html.Div(values, className="kiosk-values"),
            html.Div(
                f"{both('kiosk_title')} · {both('updated')} {now:%H:%M} · {index + 1}/{count}",
                className="kiosk-foot",
            ),
        ]
    )


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(Output("kiosk-zone", "children"), Input("kiosk-rotate", "n_intervals"))
    async def rotate(step: int | None) -> Component:
        ctx = context()
        zones = await public_zones(ctx)
        if not zones:
            return html.H1(both("kiosk_title"))
        index = (step or 0) % len(zones)
        return zone_view(zones[index], datetime.now(ctx.site.config.site.tz), index, len(zones))


PAGE = Page("/kiosk", "kiosk", None, render, register, in_menu=False)
