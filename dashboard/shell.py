"""The page frame: header with the menu, the user and the language switch; the routed page below."""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html
from dash.development.base_component import Component

from api.auth import Principal
from dashboard.pages import Page
from dashboard.text import Lang, t

TICK_MS = 5000  # live pages refresh this often


def frame() -> Component:
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="lang", storage_type="local", data="zh"),
            dcc.Interval(id="tick", interval=TICK_MS),
            html.Header(id="header", className="header"),
            html.Main(id="page", className="page"),
        ]
    )


def header(pages: Sequence[Page], current: str, principal: Principal, lang: Lang, site: str) -> Component:
    links = [
        dcc.Link(
            t(p.title, lang), href=p.path, className="nav-link active" if p.path == current else "nav-link"
        )
        for p in pages
        if p.in_menu and (p.needs is None or principal.can(p.needs))
    ]
    signed_in = principal.role is not None
    who = (
        [
            html.Span(
                f"{principal.name} · {principal.role.value}" if principal.role else "", className="who"
            ),
            html.Button(t("sign_out", lang), id="sign-out", className="button quiet"),
        ]
        if signed_in
        else [html.Button(t("sign_out", lang), id="sign-out", className="hidden")]
    )
    return html.Div(
        [
            html.Div([html.Strong("安境 Anjing"), html.Span(site, className="site")], className="brand"),
            html.Nav(links, className="nav"),
            html.Div(
                [
                    *who,
                    html.Button(
                        "English" if lang == "zh" else "中文", id="lang-switch", className="button quiet"
                    ),
                ],
                className="user",
            ),
        ],
        className="header-row",
    )
