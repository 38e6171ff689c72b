"""The emergency plan's checklist: each item with what the sensors say now and its last sign-off, the
inspections due, and signing an item (the `sign` permission) through the same route as the API."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from fastapi import HTTPException

from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.safety import ItemPublic, SignIn, TaskPublic, checklist, inspections, sign
from dashboard.access import ContextGetter, principal
from dashboard.actions import beside, pressed
from dashboard.format import when
from dashboard.pages import Page, Query
from dashboard.pages.overview import local
from dashboard.text import Lang, t


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    if context.safety is None:
        return html.P(t("no_plan", lang), className="quiet")
    return html.Div(
        [
            html.Div(id="checklist-message", className="message", role="status"),
            html.H2(t("inspections", lang)),
            html.Div(id="checklist-tasks"),
            html.Div(id="checklist-items"),
        ]
    )


def item_card(item: ItemPublic, who: Principal, lang: Lang, context: ServiceContext) -> Component:
    tz = context.site.config.site.tz
    findings = [
        html.Li(f"{f.name or f.subject} · {local(f.reason, lang)}") for f in [*item.problems, *item.unknown]
    ]
    signed = item.signed
    last = (
        f"{t('signed', lang)}: {signed['actor']} · {when(signed['ts'], tz)} · {signed.get('result', '')}"
        if signed
        else t("never_signed", lang)
    )
    actions: list[Component] = []
    if who.can(Permission.SIGN):
        actions = [
            dcc.Input(
                id={"type": "sign-note", "item": item.id},
                placeholder=t("comment", lang),
                className="comment",
                persistence=True,
                persistence_type="memory",
            ),
            html.Button(
                t("sign_ok", lang), id={"type": "sign-ok", "item": item.id}, className="button primary"
            ),
            html.Button(
                t("sign_problem", lang), id={"type": "sign-problem", "item": item.id}, className="button"
            ),
        ]
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t(f"live.{item.status}", lang), className=f"badge live-{item.status}"),
                    html.Strong(local(item.text, lang)),
                ],
                className="alert-head",
            ),
            html.Ul(findings, className="findings") if findings else None,
            html.Div(last, className="quiet"),
            html.Div(actions, className="actions"),
        ],
        className=f"card item live-{item.status}",
        id={"type": "checklist-item", "item": item.id},
    )


def task_table(tasks: list[TaskPublic], lang: Lang) -> Component:
    head = html.Tr([html.Th(t(k, lang)) for k in ("inspections", "zone", "due", "state", "last_done")])
    rows = [
        html.Tr(
            [
                html.Td(local(task.name, lang)),
                html.Td(task.zone or "—"),
                html.Td(task.due),
                html.Td(t(f"task.{task.state}", lang), className=f"task {task.state}"),
                html.Td(task.last_done or "—"),
            ]
        )
        for task in tasks
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table")


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("checklist-items", "children"),
        Output("checklist-tasks", "children"),
        Input("tick", "n_intervals"),
        Input("checklist-message", "children"),
        State("lang", "data"),
    )
    async def refresh(_tick: int | None, _message: Any, lang: Lang) -> tuple[list[Component], Component]:
        ctx = context()
        who = await principal(ctx)
        service = ctx.safety
        if service is None or not who.can(Permission.READ):
            return [], html.Div()
        items = await checklist(service)
        sections = {s.id: s.name for s in service.plan.sections}
        out: list[Component] = []
        for section, name in sections.items():
            out.append(html.H2(local(name, lang)))
            out += [item_card(i, who, lang, ctx) for i in items if i.section == section]
        return out, task_table(await inspections(service), lang)

    @app.callback(
        Output("checklist-message", "children"),
        inputs={
            "_ok": Input({"type": "sign-ok", "item": ALL}, "n_clicks"),
            "_problem": Input({"type": "sign-problem", "item": ALL}, "n_clicks"),
        },
        state={
            "notes": State({"type": "sign-note", "item": ALL}, "value"),
            "note_ids": State({"type": "sign-note", "item": ALL}, "id"),
            "lang": State("lang", "data"),
        },
        prevent_initial_call=True,
    )
    async def act(
        *,
        _ok: list[int | None],
        _problem: list[int | None],
        notes: list[str | None],
        note_ids: list[dict[str, str]],
        lang: Lang,
    ) -> str:
        """Sign the item whose button was pressed, as the signed-in user."""
        trigger = pressed()
        if trigger is None:
            return ""
        ctx = context()
        who = await principal(ctx)
        if ctx.safety is None or not who.can(Permission.SIGN):
            return t("not_allowed", lang)
        item = trigger["item"]
        note = beside(notes, note_ids, "item", item) or ""
        result = "ok" if trigger["type"] == "sign-ok" else "problem"
        try:
            await sign(who, item, SignIn.model_validate({"result": result, "note": note}), ctx.safety, ctx)
        except HTTPException as exc:
            return f"{t('refused', lang)}: {exc.detail}"
        return f"{t('done', lang)}: {item}"


PAGE = Page("/checklist", "checklist", Permission.READ, render, register)
