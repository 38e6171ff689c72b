"""Trends: any sensors over any range, with each rule's limit and window mean drawn beside the data."""

from __future__ import annotations

from datetime import datetime, timedelta

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component

from api.auth import Permission, Principal
from api.context import ServiceContext
from dashboard.access import ContextGetter, principal
from dashboard.format import window
from dashboard.pages import Page, Query
from dashboard.pages.overview import local
from dashboard.series import rolling_mean, trend
from dashboard.text import Lang, t

RANGES = {
    "6h": timedelta(hours=6),
    "24h": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
COLOURS = ("#1f6fb2", "#d9822b", "#2a9d8f", "#8e44ad", "#c0392b", "#7f8c8d")


def sensor_options(context: ServiceContext, lang: Lang) -> list[dict[str, str]]:
    zones = {
        z.id: (z.name if lang == "zh" or not z.name_en else z.name_en) for z in context.site.config.zones
    }
    options = []
    for info in context.catalog.values():
        if info.quantity.info.is_state:
            continue
        quantity = info.quantity.info.name_zh if lang == "zh" else info.quantity.info.name_en
        label = f"{zones.get(info.zone or '', '—')} · {quantity} ({info.unit}) · {info.id}"
        options.append({"label": label, "value": info.id})
    return sorted(options, key=lambda o: o["label"])


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    options = sensor_options(context, lang)
    known = {o["value"] for o in options}
    chosen = [s for s in query.get("sensor", "").split(",") if s in known] or [
        o["value"] for o in options[:1]
    ]
    span = query.get("range", "24h") if query.get("range") in RANGES else "24h"
    return html.Div(
        [
            html.Div(
                [
                    html.Label(
                        [
                            t("sensors", lang),
                            dcc.Dropdown(id="trend-sensors", options=options, multi=True, value=chosen),
                        ],
                        className="grow",
                    ),
                    html.Label(
                        [
                            t("range", lang),
                            dcc.RadioItems(
                                id="trend-range",
                                options=[{"label": f"{t('last', lang)} {k}", "value": k} for k in RANGES],
                                value=span,
                                inline=True,
                            ),
                        ]
                    ),
                ],
                className="controls",
            ),
            dcc.Loading(dcc.Graph(id="trend-graph", config={"displaylogo": False}, style={"height": "70vh"})),
        ]
    )


async def figure(context: ServiceContext, sensors: list[str], span: timedelta, lang: Lang) -> go.Figure:
    tz = context.site.config.site.tz
    end = datetime.now(tz)
    start = end - span
    fig = go.Figure()
    engine = context.alerts.engine
    now = end.timestamp()
    for colour, sensor in zip(COLOURS * 10, sensors, strict=False):
        info = context.catalog.get(sensor)
        if info is None:
            continue
        data = await trend(context.store, sensor, start, end)
        times = [moment.astimezone(tz) for moment in data.times]
        name = f"{info.quantity.info.name_zh if lang == 'zh' else info.quantity.info.name_en} · {sensor}"
        fig.add_trace(
            go.Scatter(
                x=times,
                y=data.high,
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                name=f"{name} max",
                legendgroup=sensor,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=times,
                y=data.low,
                line={"width": 0},
                fill="tonexty",
                fillcolor=_faint(colour),
                name=f"{name} {t('min_max', lang)}",
                legendgroup=sensor,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=times,
                y=data.mean,
                line={"color": colour, "width": 1.5},
                name=name,
                legendgroup=sensor,
                connectgaps=False,
            )
        )
        for binding in engine.bindings.values():
            if sensor not in binding.sensors or binding.rule is None or not engine.applies(binding, now):
                continue
            label = local(binding.name, lang)
            for limit in (binding.max, binding.min):
                if limit is not None:
                    fig.add_hline(
                        y=limit,
                        line={"color": "#c0392b", "dash": "dash", "width": 1},
                        annotation_text=f"{t('limit', lang)} {limit:g} · {label}",
                        annotation_position="top left",
                    )
            if binding.window > data.every:
                fig.add_trace(
                    go.Scatter(
                        x=times,
                        y=rolling_mean(data, binding.window),
                        name=f"{name} {window(binding.window, lang)}",
                        line={"color": colour, "dash": "dot", "width": 2},
                        legendgroup=sensor,
                    )
                )
    fig.update_layout(
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        hovermode="x unified",
        uirevision="trend",
    )
    return fig


def _faint(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.18)"


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("trend-graph", "figure"),
        Input("trend-sensors", "value"),
        Input("trend-range", "value"),
        State("lang", "data"),
    )
    async def draw(sensors: list[str] | None, span: str, lang: Lang) -> go.Figure:
        ctx = context()
        if not (await principal(ctx)).can(Permission.READ) or not sensors:
            return go.Figure()
        return await figure(ctx, sensors, RANGES.get(span, RANGES["24h"]), lang)


PAGE = Page("/trends", "trends", Permission.READ, render, register)
