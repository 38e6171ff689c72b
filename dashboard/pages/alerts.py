"""Alerts: open ones with their evidence, acknowledge and silence (role-checked, audited through the
same route functions as the REST API), the recorded history, and each alert's notification log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from fastapi import HTTPException

from alerts import AlertState
from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.alerts import AcknowledgeIn, AlertPublic, SilenceIn, acknowledge, create_silence, list_alerts
from dashboard.access import ContextGetter, principal
from dashboard.actions import beside, pressed
from dashboard.format import number, when
from dashboard.pages import Page, Query
from dashboard.pages.overview import SEVERITY_ORDER, local
from dashboard.text import Lang, t

OPEN = (AlertState.PENDING, AlertState.FIRING, AlertState.ACKNOWLEDGED, AlertState.UNKNOWN)
HISTORY_ROWS = 200


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    zones = [
        (z.name if lang == "zh" or not z.name_en else z.name_en, z.id) for z in context.site.config.zones
    ]
    standards = sorted({b.standard for b in context.alerts.engine.bindings.values() if b.standard})
    return html.Div(
        [
            html.Div(
                [
                    _filter("alert-zone", t("zone", lang), zones, lang),
                    _filter("alert-severity", t("severity", lang), [(s, s) for s in SEVERITY_ORDER], lang),
                    _filter("alert-standard", t("standard", lang), [(s, s) for s in standards], lang),
                ],
                className="controls",
            ),
            html.Div(id="alert-message", className="message", role="status"),
            html.H2(t("open", lang)),
            html.Div(id="alert-open"),
            html.H2(t("history", lang)),
            html.Div(id="alert-history"),
        ]
    )


def _filter(ident: str, label: str, choices: list[tuple[str, str]], lang: Lang) -> Component:
    """A labelled drop-down of (label, value) choices after "all" (the empty value)."""
    options = [{"label": t("all", lang), "value": ""}] + [{"label": k, "value": v} for k, v in choices]
    return html.Label([label, dcc.Dropdown(id=ident, options=options, value="")])


def _matches(alert: AlertPublic, zone: str, severity: str, standard: str) -> bool:
    return (
        (not zone or alert.zone == zone)
        and (not severity or alert.severity == severity)
        and (not standard or alert.standard == standard)
    )


def alert_card(
    alert: AlertPublic, who: Principal, lang: Lang, tz: Any, deliveries: list[dict[str, Any]]
) -> Component:
    value = f"{number(alert.value)} {alert.unit}".strip() if alert.value is not None else "—"
    evidence = html.Dl(
        [
            html.Dt(t("value", lang)),
            html.Dd(value),
            html.Dt(t("limit", lang)),
            html.Dd(alert.limit or "—"),
            html.Dt(t("standard", lang)),
            html.Dd(f"{alert.standard} {alert.clause}".strip() or "—"),
            html.Dt(t("clause", lang)),
            html.Dd(alert.wording or "—"),
            html.Dt(t("since", lang)),
            html.Dd(when(alert.since, tz)),
        ],
        className="evidence",
    )
    actions: list[Component] = []
    key = alert.key
    if alert.state is AlertState.FIRING and who.can(Permission.ACKNOWLEDGE):
        actions += [
            dcc.Input(
                id={"type": "ack-comment", "key": key},
                placeholder=t("comment", lang),
                className="comment",
                persistence=True,  # typed text survives the 5-second refresh
                persistence_type="memory",
            ),
            html.Button(t("acknowledge", lang), id={"type": "ack", "key": key}, className="button primary"),
        ]
    if who.can(Permission.SILENCE):
        actions += [
            dcc.Input(
                id={"type": "silence-reason", "key": key},
                placeholder=t("reason", lang),
                className="comment",
                persistence=True,  # typed text survives the 5-second refresh
                persistence_type="memory",
            ),
            html.Label(
                [
                    t("silence_hours", lang),
                    dcc.Input(
                        id={"type": "silence-hours", "key": key},
                        type="number",
                        min=0.5,
                        max=720,
                        step=0.5,
                        value=4,
                        className="hours",
                        persistence=True,
                        persistence_type="memory",
                    ),
                ],
                className="hours-label",
            ),
            html.Button(t("silence", lang), id={"type": "silence", "key": key}, className="button"),
        ]
    log = [
        html.Li(f"{when(d['ts'], tz)} · {d['receiver']} · {d['channel']} · {d['reason']} · {d['outcome']}")
        for d in deliveries
    ]
    acked = f" · {alert.acked_by}: {alert.comment}" if alert.acked_by else ""
    return html.Div(
        [
            html.Div(
                [
                    html.Span(alert.severity, className=f"badge {alert.severity}"),
                    html.Strong(local(alert.name, lang)),
                    html.Span(alert.subject, className="quiet"),
                    html.Span(
                        f"{t('alert.' + alert.state.value, lang)}{acked}",
                        className=f"state {alert.state.value}",
                    ),
                ],
                className="alert-head",
            ),
            evidence,
            html.Div(actions, className="actions"),
            html.Details([html.Summary(t("notifications", lang)), html.Ul(log)]) if log else None,
        ],
        className=f"card alert {alert.severity}",
        id={"type": "alert-card", "key": key},
    )


async def open_cards(
    context: ServiceContext, who: Principal, lang: Lang, filters: tuple[str, str, str]
) -> list[Component]:
    alerts = [a for a in await list_alerts(context) if a.state in OPEN and _matches(a, *filters)]
    alerts.sort(
        key=lambda a: (SEVERITY_ORDER.get(a.severity, 3), a.state is AlertState.ACKNOWLEDGED, a.since)
    )
    tz = context.site.config.site.tz
    notifier = context.notifier
    cards = []
    for alert in alerts:
        deliveries = await notifier.queue.log(alert=alert.key, limit=20) if notifier is not None else []
        cards.append(alert_card(alert, who, lang, tz, deliveries))
    return cards or [html.P(t("no_open_alerts", lang), className="quiet")]


async def history_table(context: ServiceContext, lang: Lang, zone: str) -> Component:
    tz = context.site.config.site.tz
    rows = await context.alerts.store.history(zone=zone or None, limit=HISTORY_ROWS)
    head = html.Tr([html.Th(t(k, lang)) for k in ("since", "state", "alerts", "value", "comment")])
    body = [
        html.Tr(
            [
                html.Td(when(r["ts"], tz)),
                html.Td(t(f"alert.{r['state']}", lang)),
                html.Td([local(r["name"], lang), html.Span(f" {r['subject']}", className="quiet")]),
                html.Td(f"{number(r['value'])} {r['unit']}" if r["value"] is not None else ""),
                html.Td(r.get("note") or r.get("comment") or ""),
            ]
        )
        for r in rows
    ]
    return html.Table([html.Thead(head), html.Tbody(body)], className="table")


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("alert-open", "children"),
        Output("alert-history", "children"),
        Input("tick", "n_intervals"),
        Input("alert-zone", "value"),
        Input("alert-severity", "value"),
        Input("alert-standard", "value"),
        Input("alert-message", "children"),
        State("lang", "data"),
    )
    async def refresh(
        _tick: int | None, zone: str, severity: str, standard: str, _message: Any, lang: Lang
    ) -> tuple[list[Component], Component]:
        ctx = context()
        who = await principal(ctx)
        if not who.can(Permission.READ):
            return [html.P(t("need_sign_in", lang))], html.Div()
        filters = (zone or "", severity or "", standard or "")
        return await open_cards(ctx, who, lang, filters), await history_table(ctx, lang, filters[0])

    @app.callback(
        Output("alert-message", "children"),
        inputs={
            "_acks": Input({"type": "ack", "key": ALL}, "n_clicks"),
            "_silences": Input({"type": "silence", "key": ALL}, "n_clicks"),
        },
        state={
            "comments": State({"type": "ack-comment", "key": ALL}, "value"),
            "comment_ids": State({"type": "ack-comment", "key": ALL}, "id"),
            "reasons": State({"type": "silence-reason", "key": ALL}, "value"),
            "hours": State({"type": "silence-hours", "key": ALL}, "value"),
            "reason_ids": State({"type": "silence-reason", "key": ALL}, "id"),
            "lang": State("lang", "data"),
        },
        prevent_initial_call=True,
    )
    async def act(
        *,
        _acks: list[int | None],
        _silences: list[int | None],
        comments: list[str | None],
        comment_ids: list[dict[str, str]],
        reasons: list[str | None],
        hours: list[float | None],
        reason_ids: list[dict[str, str]],
        lang: Lang,
    ) -> str:
        """Acknowledge or silence the alert whose button was pressed, as the signed-in user."""
        trigger = pressed()
        if trigger is None:
            return ""
        ctx = context()
        who = await principal(ctx)
        key = trigger["key"]
        try:
            if trigger["type"] == "ack":
                if not who.can(Permission.ACKNOWLEDGE):
                    return t("not_allowed", lang)
                comment = beside(comments, comment_ids, "key", key) or ""
                await acknowledge(AcknowledgeIn(key=key, comment=comment), ctx, who)
                return f"{t('done', lang)}: {t('acknowledge', lang)} {key}"
            if not who.can(Permission.SILENCE):
                return t("not_allowed", lang)
            reason = (beside(reasons, reason_ids, "key", key) or "").strip()
            if not reason:
                return f"{t('refused', lang)}: {t('reason', lang)}?"
            binding = ctx.alerts.engine.bindings[key]
            end = datetime.now(UTC) + timedelta(hours=float(beside(hours, reason_ids, "key", key) or 4))
            body = SilenceIn(
                matchers={"rule": binding.rule_id, "subject": binding.subject}, end=end, reason=reason
            )
            await create_silence(body, ctx, who)
            return f"{t('done', lang)}: {t('silence', lang)} {key}"
        except HTTPException as exc:
            return f"{t('refused', lang)}: {exc.detail}"


PAGE = Page("/alerts", "alerts", Permission.READ, render, register)
