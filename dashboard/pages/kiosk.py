"""The lobby screen (specification 4.2): no sign-in, large plain words per public zone, rotating through
the zones; it shows only the public subset (`api.kiosk`). Its only controls are the visitors' feedback
form (6.1, `feedback_form`), preset to the zone on screen, and a QR code that opens the same form on a
phone; nothing on it reads cases or changes alerts or settings."""

from __future__ import annotations

from datetime import datetime

from dash import Dash, Input, Output, dcc, html
from dash.development.base_component import Component

from api.auth import Principal
from api.context import ServiceContext
from api.routes.public import public_zones as zones_now
from api.schemas import KioskZone
from dashboard.access import ContextGetter
from dashboard.format import number
from dashboard.pages import Page, Query
from dashboard.pages.feedback_form import form, public_zones
from dashboard.text import Lang, both

ROTATE_MS = 10_000  # each zone stays this long on screen
QR = "/api/v1/feedback/qr"


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    zones = public_zones(context)
    parts: list[Component] = [
        dcc.Interval(id="kiosk-rotate", interval=ROTATE_MS),
        html.Div(id="kiosk-zone", className="kiosk-zone"),
    ]
    if context.feedback is not None:
        qr = html.Div(
            [
                html.Img(id="kiosk-qr", alt="扫码反馈 / scan to give feedback", className="kiosk-qr-image"),
                html.Div(["手机扫码反馈", html.Span("Scan to tell us from your phone", className="fb-en")]),
            ],
            className="kiosk-qr",
        )
        parts.append(html.Div([form(zones, None, source="kiosk"), qr], className="kiosk-feedback"))
    return html.Div(parts, className="kiosk")


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
        zones = await zones_now(ctx)
        if not zones:
            return html.H1(both("kiosk_title"))
        index = (step or 0) % len(zones)
        return zone_view(zones[index], datetime.now(ctx.site.config.site.tz), index, len(zones))

    @app.callback(Output("fb-shown", "data"), Output("kiosk-qr", "src"), Input("kiosk-rotate", "n_intervals"))
    async def follow(step: int | None) -> tuple[str | None, str]:
        """The zone on screen (the same rotation): the feedback form preselects it, the QR code names it."""
        zones = public_zones(context())
        if not zones:
            return None, QR
        shown = zones[(step or 0) % len(zones)].id
        return shown, f"{QR}?zone={shown}"


PAGE = Page("/kiosk", "kiosk", None, render, register, in_menu=False)
