"""The sign-in form; the browser posts it to /api/v1/auth/login (assets/anjing.js)."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component

from api.auth import Principal
from api.context import ServiceContext
from dashboard.access import ContextGetter
from dashboard.pages import Page, Query
from dashboard.text import Lang, t


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    return html.Div(
        [
            html.H1(t("sign_in", lang)),
            html.Label([t("user", lang), dcc.Input(id="login-user", type="text", autoComplete="username")]),
            html.Label(
                [
                    t("password", lang),
                    dcc.Input(
                        id="login-password", type="password", autoComplete="current-password", n_submit=0
                    ),
                ]
            ),
            html.Button(t("sign_in", lang), id="login-submit", className="button primary", n_clicks=0),
            html.Div(id="login-message", className="message error", role="alert"),
        ],
        className="card login",
    )


def register(app: Dash, context: ContextGetter) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="anjing", function_name="login"),
        Output("login-message", "children"),
        Input("login-submit", "n_clicks"),
        Input("login-password", "n_submit"),
        State("login-user", "value"),
        State("login-password", "value"),
        prevent_initial_call=True,
    )


PAGE = Page("/login", "sign_in", None, render, register, in_menu=False)
