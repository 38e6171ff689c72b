"""Devices: per bus, each device's online state, last good read and error counters."""

from __future__ import annotations

from itertools import groupby

from dash import Dash, Input, Output, State, html
from dash.development.base_component import Component

from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.devices import list_devices
from dashboard.access import ContextGetter, principal
from dashboard.format import when
from dashboard.pages import Page, Query
from dashboard.text import Lang, t

COLUMNS = ("device", "zone", "state", "last_good", "errors")


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    return html.Div(id="device-tables")


async def tables(context: ServiceContext, lang: Lang) -> list[Component]:
    tz = context.site.config.site.tz
    devices = sorted(await list_devices(context), key=lambda d: (d.bus, d.address, d.device))
    out: list[Component] = []
    for bus, members in groupby(devices, key=lambda d: d.bus):
        rows = [
            html.Tr(
                [
                    html.Td(
                        [html.Strong(d.device), html.Span(f" #{d.address} · {d.profile}", className="quiet")]
                    ),
                    html.Td(d.zone or "—"),
                    html.Td(t(f"state.{d.state}", lang), className=f"state {d.state}"),
                    html.Td(when(d.last_good, tz)),
                    html.Td(
                        f"{d.failed_polls}/{d.polls} · timeouts {d.timeouts} · exceptions {d.exceptions}"
                        + (f" · {d.last_error}" if d.last_error else ""),
                        className="quiet",
                    ),
                ],
                id={"type": "device-row", "device": d.device},
            )
            for d in members
        ]
        head = html.Tr([html.Th(t(c, lang)) for c in COLUMNS])
        out += [
            html.H2(f"{t('bus', lang)} {bus}"),
            html.Table([html.Thead(head), html.Tbody(rows)], className="table"),
        ]
    return out


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(Output("device-tables", "children"), Input("tick", "n_intervals"), State("lang", "data"))
    async def refresh(_tick: int | None, lang: Lang) -> list[Component]:
        ctx = context()
        if not (await principal(ctx)).can(Permission.READ):
            return [html.P(t("need_sign_in", lang))]
        return await tables(ctx, lang)


PAGE = Page("/devices", "devices", Permission.READ, render, register)
