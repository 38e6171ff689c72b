"""The visitors' feedback form, on the lobby kiosk and on a phone (`/feedback?zone=hall`, the kiosk's
QR code): large buttons in plain Chinese, a zone, optional words and a mobile number for the answer.

Submitting goes from the browser to the public API (`POST /api/v1/feedback`, assets/feedback.js) with
a token the browser keeps, so the rate limit sees the screen the way a phone or a script would be
seen; nothing here can read cases or change alerts or settings.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from api.auth import Principal
from api.context import ServiceContext
from config.models import Zone
from dashboard.access import ContextGetter
from dashboard.pages import Page, Query
from dashboard.text import Lang
from feedback import KINDS, Kind

HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}


def public_zones(context: ServiceContext) -> list[Zone]:
    return [z for z in context.site.config.zones if z.public]


def form(zones: list[Zone], zone: str | None, *, source: str) -> Component:
    """The buttons and the form; `zone` is preselected (the kiosk keeps it at the zone on screen)."""
    buttons = [
        html.Button(
            [html.Span(info.zh, className="fb-zh"), html.Span(info.en, className="fb-en")],
            id={"type": "fb-kind", "kind": kind.value},
            className=f"fb-kind fb-{kind.value}",
        )
        for kind, info in KINDS.items()
    ]
    options = [{"label": f"{z.name} {z.name_en}".strip(), "value": z.id} for z in zones]
    return html.Div(
        [
            dcc.Store(id="fb-shown", data=zone),
            dcc.Store(id="fb-kind"),
            dcc.Store(id="fb-source", data=source),
            html.Div(
                ["有问题请告诉我们", html.Span("Tell us what is wrong", className="fb-en")],
                className="fb-title",
            ),
            html.Div(buttons, className="fb-kinds"),
            html.Div(
                [
                    html.Div(id="fb-chosen", className="fb-chosen"),
                    html.Div(["在哪里 ", html.Span("Where", className="fb-en")], className="fb-label"),
                    dcc.RadioItems(id="fb-zone", options=options, value=zone, className="fb-zones"),
                    dcc.Input(
                        id="fb-text", type="text", maxLength=200, className="fb-input",
                        placeholder="补充说明（可不填）/ more details (optional)",
                    ),
                    dcc.Input(
                        id="fb-phone", type="tel", maxLength=20, className="fb-input",
                        placeholder="手机号，用于答复（可不填）/ mobile number for our answer (optional)",
                    ),
                    html.Div(
                        [
                            html.Button(["提交", html.Span("Submit", className="fb-en")], id="fb-submit",
                                        className="fb-send"),
                            html.Button(["取消", html.Span("Cancel", className="fb-en")], id="fb-cancel",
                                        className="fb-cancel"),
                        ],
                        className="fb-actions",
                    ),
                ],
                id="fb-form",
                className="fb-form",
                style=HIDDEN,
            ),
            html.Div(id="fb-message", className="fb-message", role="status"),
        ],
        className="fb",
    )  # fmt: skip


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    zones = public_zones(context)
    zone = query.get("zone") if query.get("zone") in {z.id for z in zones} else None
    return html.Div(
        form(zones, zone or (zones[0].id if zones else None), source="phone"), className="fb-phone"
    )


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("fb-form", "style"),
        Output("fb-kind", "data"),
        Output("fb-zone", "value"),
        Output("fb-chosen", "children"),
        Output("fb-message", "children"),
        Input({"type": "fb-kind", "kind": ALL}, "n_clicks"),
        Input("fb-cancel", "n_clicks"),
        State("fb-shown", "data"),
        prevent_initial_call=True,
    )
    async def choose(kinds: list[int | None], cancel: int | None, shown: str | None) -> tuple[Any, ...]:
        picked = ctx.triggered_id
        if picked == "fb-cancel" or not isinstance(picked, dict) or not any(kinds):
            return HIDDEN, None, no_update, "", ""
        info = KINDS[Kind(picked["kind"])]
        chosen = [info.zh, html.Span(info.en, className="fb-en")]
        return SHOWN, picked["kind"], shown, chosen, ""

    app.clientside_callback(
        ClientsideFunction(namespace="feedback", function_name="submit"),
        Output("fb-message", "children", allow_duplicate=True),
        Output("fb-form", "style", allow_duplicate=True),
        Output("fb-text", "value"),
        Output("fb-phone", "value"),
        Input("fb-submit", "n_clicks"),
        State("fb-kind", "data"),
        State("fb-zone", "value"),
        State("fb-text", "value"),
        State("fb-phone", "value"),
        State("fb-source", "data"),
        prevent_initial_call=True,
    )


PAGE = Page("/feedback", "feedback_form", None, render, register, in_menu=False)
