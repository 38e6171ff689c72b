"""Devices: per bus, each device's online state, last good read, error counters and request plan; a
register probe for commissioning (the `config` permission: admins), through the API's route."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from fastapi import HTTPException
from pydantic import ValidationError

from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.devices import ProbeIn, ProbeOut, list_devices, probe
from dashboard.access import ContextGetter, principal
from dashboard.format import when
from dashboard.pages import Page, Query
from dashboard.text import Lang, t

COLUMNS = ("device", "zone", "state", "last_good", "errors", "plan")
FUNCTIONS = {
    1: "FC01 线圈 / coils",
    2: "FC02 离散输入 / discrete inputs",
    3: "FC03 保持寄存器 / holding",
    4: "FC04 输入寄存器 / input",
}


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    parts: list[Component] = [html.Div(id="device-tables")]
    buses = sorted(context.modbus.pollers) if context.modbus else []
    if principal.can(Permission.CONFIG) and buses:
        parts.insert(0, probe_form(buses, lang))
    return html.Div(parts)


def probe_form(buses: list[str], lang: Lang) -> Component:
    def number(ident: str, value: int, low: int, high: int) -> Component:
        return dcc.Input(id=ident, type="number", value=value, min=low, max=high, step=1, className="hours")

    return html.Details(
        [
            html.Summary(t("probe", lang)),
            html.Div(
                [
                    html.Label([t("bus", lang), dcc.Dropdown(id="probe-bus", options=buses, value=buses[0])]),
                    html.Label([t("unit", lang), number("probe-unit", 1, 0, 247)]),
                    html.Label(
                        [
                            t("function", lang),
                            dcc.Dropdown(
                                id="probe-function",
                                options=[{"label": v, "value": k} for k, v in FUNCTIONS.items()],
                                value=3,
                            ),
                        ]
                    ),
                    html.Label([t("address", lang), number("probe-address", 0, 0, 0xFFFF)]),
                    html.Label([t("count", lang), number("probe-count", 10, 1, 125)]),
                    html.Button(t("read", lang), id="probe-read", className="button primary"),
                ],
                className="controls",
            ),
            html.Div(id="probe-result"),
        ],
        className="card",
    )


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
                    html.Td([html.Div(request) for request in d.plan], className="quiet plan"),
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


def probe_table(answer: ProbeOut, address: int, lang: Lang) -> Component:
    head = html.Tr([html.Th(t("address", lang)), html.Th(t("value", lang)), html.Th("hex")])
    rows = [
        html.Tr([html.Td(f"0x{address + i:04X} ({address + i})"), html.Td(value), html.Td(hexed)])
        for i, (value, hexed) in enumerate(zip(answer.values, answer.hex, strict=True))
    ]
    note = html.P(f"{answer.elapsed_ms} ms", className="quiet")
    return html.Div([note, html.Table([html.Thead(head), html.Tbody(rows)], className="table")])


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("probe-result", "children"),
        Input("probe-read", "n_clicks"),
        State("probe-bus", "value"),
        State("probe-unit", "value"),
        State("probe-function", "value"),
        State("probe-address", "value"),
        State("probe-count", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    async def read(clicks: int | None, *form: Any) -> Component:
        """Read the registers asked for, as the signed-in admin (audited as the API's probe is)."""
        bus, unit, function, address, count, lang = form
        ctx = context()
        who = await principal(ctx)
        if not clicks or not who.can(Permission.CONFIG):
            return html.P(t("not_allowed", lang), className="message error")
        try:
            body = ProbeIn(bus=bus, unit=unit, function=function, address=address, count=count)
            return probe_table(await probe(body, ctx, who), int(address), lang)
        except ValidationError as exc:
            return html.P(f"{t('refused', lang)}: {exc.errors()[0]['msg']}", className="message error")
        except HTTPException as exc:
            return html.P(f"{t('refused', lang)}: {exc.detail}", className="message error")

    @app.callback(Output("device-tables", "children"), Input("tick", "n_intervals"), State("lang", "data"))
    async def refresh(_tick: int | None, lang: Lang) -> list[Component]:
        ctx = context()
        if not (await principal(ctx)).can(Permission.READ):
            return [html.P(t("need_sign_in", lang))]
        return await tables(ctx, lang)


PAGE = Page("/devices", "devices", Permission.READ, render, register)
