"""The Dash app, on a FastAPI sub-application mounted at `/` of the API's server.

Dash 4's FastAPI backend makes callbacks plain `async` functions in the service's own event loop, so
pages read the running service directly. It is mounted, not merged: the sub-application serves only
Dash's own routes and the page paths, so `/api/...`, `/docs` and unknown paths keep the API's
answers (Dash's catch-all, installed at lifespan start, never runs for a mounted app).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qsl

from dash import ClientsideFunction, Dash, Input, Output, State, html
from dash.development.base_component import Component
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import Principal
from api.context import ServiceContext
from dashboard.access import ContextGetter, principal
from dashboard.pages import (
    Page,
    alerts,
    checklist,
    devices,
    feedback,
    feedback_form,
    kiosk,
    login,
    overview,
    reports,
    trends,
)
from dashboard.shell import frame, header
from dashboard.text import Lang, t

log = logging.getLogger("anjing.dashboard")
PAGES: tuple[Page, ...] = (
    overview.PAGE,
    trends.PAGE,
    alerts.PAGE,
    checklist.PAGE,
    feedback.PAGE,  # visitors' feedback cases (menu)
    devices.PAGE,
    reports.PAGE,
    kiosk.PAGE,
    feedback_form.PAGE,  # the public form a phone opens from the kiosk's QR code
    login.PAGE,
)


def mount_dashboard(app: FastAPI) -> Dash:
    """Mount the dashboard on `app` (after every API route, so those win)."""

    def context() -> ServiceContext:
        current: ServiceContext = app.state.context
        return current

    sub = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    dash = Dash(
        __name__,
        server=sub,  # type: ignore[arg-type]  # Dash 4 takes a FastAPI app; its hint predates that
        title="安境 Anjing",
        update_title="",  # no "Updating…" flicker in the tab title every few seconds
        assets_folder=str(Path(__file__).parent / "assets"),
        suppress_callback_exceptions=True,  # pages are rendered into the frame on demand
        serve_locally=True,  # a county LAN may have no internet
        on_error=_log_error,
    )
    dash.layout = frame()
    _register(dash, context)
    for page in PAGES:
        page.register(dash, context)

    app.mount("/", PagePaths(sub, {page.path for page in PAGES}))
    return dash


class PagePaths:
    """Serve Dash's page at each page path (`/trends`, `/kiosk`…): the browser keeps its URL, which
    `dcc.Location` routes on, while Dash sees its own index path."""

    def __init__(self, app: ASGIApp, paths: set[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"] in self.paths:
            scope = {**scope, "path": "/", "raw_path": b"/"}
        await self.app(scope, receive, send)


def _register(dash: Dash, context: ContextGetter) -> None:
    by_path = {page.path: page for page in PAGES}

    @dash.callback(
        Output("header", "children"),
        Output("page", "children"),
        Input("url", "pathname"),
        Input("lang", "data"),
        State("url", "search"),
    )
    async def route(
        pathname: str | None, lang: Lang, search: str | None
    ) -> tuple[Component | None, Component]:
        ctx = context()
        query = dict(parse_qsl((search or "").lstrip("?")))
        who = await principal(ctx)
        page = by_path.get(pathname or "/", overview.PAGE)
        if page is kiosk.PAGE:
            return None, await page.render(ctx, who, lang, query)
        if page.needs is not None and not who.can(page.needs):
            page = login.PAGE if who.role is None else page
        shown = await page.render(ctx, who, lang, query) if _allowed(page, who) else _refused(lang)
        return header(PAGES, page.path, who, lang, ctx.site.config.site.name), shown

    dash.clientside_callback(
        ClientsideFunction(namespace="anjing", function_name="toggleLang"),
        Output("lang", "data"),
        Input("lang-switch", "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction(namespace="anjing", function_name="logout"),
        Output("sign-out", "title"),
        Input("sign-out", "n_clicks"),
        prevent_initial_call=True,
    )


def _log_error(error: Exception) -> None:
    """Dash answers a failed callback with a bare 500: the log keeps what went wrong."""
    log.error("仪表板回调出错 / dashboard callback failed: %r", error, exc_info=error)


def _allowed(page: Page, who: Principal) -> bool:
    return page.needs is None or who.can(page.needs)


def _refused(lang: Lang) -> Component:
    return html.P(t("not_allowed", lang), className="message error")
