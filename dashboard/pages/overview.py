"""Overview: one line of system health, the open alerts (worst first), and a tile per zone coloured by
its worst state, with the zone's averaged values against their limits ("甲醛 1 小时均值 0.06 / 0.08")."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

from dash import Dash, Input, Output, html
from dash.development.base_component import Component

from alerts import AlertState
from alerts.rules.bind import Binding, Kind
from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.alerts import AlertPublic, list_alerts
from api.schemas import ReadingPublic
from api.zonestate import snapshots
from config.standards import Statistic
from dashboard.access import ContextGetter, principal
from dashboard.format import number, when, window
from dashboard.pages import Page, Query
from dashboard.text import Lang, t

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def local(name: str, lang: Lang) -> str:
    """The catalog's names read "中文 / English": the half for `lang`."""
    zh, _, en = name.partition(" / ") if " / " in name else name.rpartition("/")
    if not en.isascii():  # a "/" inside the Chinese name, no English half
        zh, en = name, ""
    return zh.strip() if lang == "zh" or not en else en.strip()


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    return html.Div(
        [
            html.Div(id="overview-health", className="health-line"),
            html.H2(t("open_alerts", lang)),
            html.Div(id="overview-alerts"),
            html.H2(t("zones", lang)),
            html.Div(id="overview-zones", className="tiles"),
        ]
    )


def health_line(context: ServiceContext, lang: Lang) -> Component:
    states = [s.online for s in context.board]
    outbox = context.outbox
    parts = [
        f"{t('devices_online', lang)} {states.count(True)}/{len(states)}",
        f"{t('pending', lang)} {context.pending}",
        t("store_ok", lang)
        if context.store_error is None
        else f"{t('store_error', lang)}: {context.store_error}",
    ]
    if outbox is not None:
        parts.append(f"{t('outbox', lang)} {outbox.depth}")
    bad = context.store_error is not None or states.count(False) > 0
    return html.Div(" · ".join(parts), className="health bad" if bad else "health")


def alert_rows(alerts: list[AlertPublic], lang: Lang, context: ServiceContext) -> Component:
    opened = [
        a for a in alerts if a.state in (AlertState.FIRING, AlertState.ACKNOWLEDGED, AlertState.UNKNOWN)
    ]
    if not opened:
        return html.P(t("no_open_alerts", lang), className="quiet")
    opened.sort(
        key=lambda a: (SEVERITY_ORDER.get(a.severity, 3), a.state is AlertState.ACKNOWLEDGED, a.since)
    )
    zones = {z.id: z for z in context.site.config.zones}
    tz = context.site.config.site.tz
    rows = []
    for a in opened:
        zone = zones.get(a.zone or "")
        zone_name = (zone.name if lang == "zh" or not zone.name_en else zone.name_en) if zone else ""
        value = f"{number(a.value)} {a.unit}".strip() if a.value is not None else ""
        rows.append(
            html.Li(
                [
                    html.Span(
                        t("state." + ("alert" if a.severity == "critical" else "warning"), lang),
                        className=f"badge {a.severity}",
                    ),
                    html.Strong(local(a.name, lang)),
                    html.Span(zone_name, className="zone"),
                    html.Span(f"{value} ({t('limit', lang)} {a.limit})" if value else a.limit),
                    html.Span(f"{t('since', lang)} {when(a.since, tz)}", className="quiet"),
                    html.Span(t(f"alert.{a.state.value}", lang), className=f"state {a.state.value}"),
                ],
                className="alert-row",
            )
        )
    return html.Ul(rows, className="alert-list")


def key_values(
    context: ServiceContext, zone: str, lang: Lang, now: float, latest: Mapping[str, ReadingPublic]
) -> list[Component]:
    """The zone's averaged values against their limits, one line per rule that applies now, with the
    newest reading beside (a window mean shows "—" until the window holds enough data)."""
    engine = context.alerts.engine
    lines: list[Component] = []
    shown: set[tuple[str, float]] = set()
    for binding in engine.bindings.values():
        if not _averaged(binding, zone) or not engine.applies(binding, now):
            continue
        assert binding.rule is not None
        quantity = binding.rule.quantity
        if (quantity.value, binding.window) in shown:
            continue
        shown.add((quantity.value, binding.window))
        value = engine.status(binding.key).value
        name = quantity.info.name_zh if lang == "zh" else quantity.info.name_en
        current = latest.get(binding.sensors[0]) if binding.sensors else None
        lines.append(
            html.Div(
                [
                    html.Span(f"{name} {window(binding.window, lang)}".strip(), className="kv-name"),
                    html.Span(f"{number(value)} / {binding.limit_text}", className="kv-value"),
                    html.Span(
                        number(current.value) if current is not None else "—",
                        className="kv-now",
                        title=t("now", lang),
                    ),
                ],
                className="kv averaged",
            )
        )
    return lines


def state_checks(context: ServiceContext, zone: str, lang: Lang) -> list[Component]:
    """The zone's state rules (lamps, doors, exits…), one line per rule: how many points are in breach."""
    engine = context.alerts.engine
    groups: dict[str, list[bool]] = {}
    for binding in engine.bindings.values():
        rule = binding.rule
        if binding.kind is Kind.RULE and binding.zone == zone and rule and rule.statistic is Statistic.STATE:
            groups.setdefault(binding.name, []).append(engine.status(binding.key).state.active)
    return [
        html.Div(
            [html.Span(local(name, lang), className="kv-name"), html.Span(f"{sum(flags)} / {len(flags)}")],
            className="kv problem" if any(flags) else "kv",
        )
        for name, flags in sorted(groups.items())
    ]


def _averaged(binding: Binding, zone: str) -> bool:
    rule = binding.rule
    return (
        binding.kind is Kind.RULE
        and binding.zone == zone
        and rule is not None
        and rule.statistic is Statistic.MEAN
    )


async def zone_tiles(context: ServiceContext, lang: Lang) -> list[Component]:
    zones = context.site.config.zones
    now = time.time()
    tiles: list[Component] = []
    for zone, snap in zip(zones, await snapshots(context, [z.id for z in zones]), strict=True):
        name = zone.name if lang == "zh" or not zone.name_en else zone.name_en
        counts = snap.alerts
        tiles.append(
            html.Div(
                [
                    html.Div(
                        [html.Strong(name), html.Span(t(f"state.{snap.state}", lang), className="badge")],
                        className="tile-head",
                    ),
                    *key_values(context, zone.id, lang, now, {r.sensor: r for r in snap.readings}),
                    *state_checks(context, zone.id, lang),
                    html.Div(
                        f"{t('devices', lang)} {snap.devices_online}/{snap.devices_online + snap.devices_offline}"
                        + (
                            f" · {t('alerts', lang)} {counts.critical + counts.warning}"
                            if counts.critical + counts.warning
                            else ""
                        ),
                        className="tile-foot",
                    ),
                ],
                className=f"tile {snap.state}",
                id={"type": "zone-tile", "zone": zone.id},
            )
        )
    return tiles


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("overview-health", "children"),
        Output("overview-alerts", "children"),
        Output("overview-zones", "children"),
        Input("tick", "n_intervals"),
        Input("lang", "data"),
    )
    async def refresh(_tick: int | None, lang: Lang) -> tuple[Component, Component, list[Component]]:
        ctx = context()
        if not (await principal(ctx)).can(Permission.READ):
            return html.P(t("need_sign_in", lang)), html.Div(), []
        alerts = await list_alerts(ctx)
        stamp = html.Span(f" · {t('updated', lang)} {datetime.now(ctx.site.config.site.tz):%H:%M:%S}")
        return (
            html.Div([health_line(ctx, lang), stamp]),
            alert_rows(alerts, lang, ctx),
            await zone_tiles(ctx, lang),
        )


PAGE = Page("/", "overview", Permission.READ, render, register)
