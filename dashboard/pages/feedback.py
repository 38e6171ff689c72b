"""Visitor feedback for the duty officer and the manager: open cases first, each with the readings of
its zone at the moment it came in, then acknowledge, answer (texted back when the visitor left a
number) and close — through the same route functions, permissions and audit as the REST API."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from fastapi import HTTPException

from api.auth import Permission, Principal
from api.context import ServiceContext
from api.routes.feedback import AnswerIn, CasePublic, CloseIn, acknowledge, answer, case_public, close
from dashboard.access import ContextGetter, principal
from dashboard.actions import beside, pressed
from dashboard.format import number, when
from dashboard.pages import Page, Query
from dashboard.text import Lang, t

SHOWN_CLOSED = 50  # closed cases listed under the open ones


async def render(context: ServiceContext, principal: Principal, lang: Lang, query: Query) -> Component:
    if context.feedback is None:
        return html.P(t("no_feedback", lang), className="quiet")
    return html.Div(
        [
            html.Div(id="case-message", className="message", role="status"),
            html.Div(id="case-list"),
        ]
    )


def _evidence(case: CasePublic, lang: Lang) -> Component:
    rows = [
        html.Tr(
            [
                html.Td(e["name"]),
                html.Td(f"{number(e['value'])} {e['unit']}"),
                html.Td(" – ".join(f"{number(v)}" for v in (e["min"], e["max"]) if v is not None) or "—"),
                html.Td(t("case.breach", lang) if e["breach"] or e["alerts"] else "", className="over"),
            ]
        )
        for e in case.evidence
    ]
    head = html.Tr([html.Th(t(k, lang)) for k in ("quantity", "value", "limit", "case.confirmed")])
    return (
        html.Table([html.Thead(head), html.Tbody(rows)], className="table case-evidence")
        if rows
        else html.Div()
    )


def _field(kind: str, ident: int, placeholder: str) -> Component:
    return dcc.Input(
        id={"type": kind, "case": ident},
        placeholder=placeholder,
        className="comment",
        persistence=True,  # typed text survives the refresh
        persistence_type="memory",
    )


def case_card(case: CasePublic, who: Principal, lang: Lang, context: ServiceContext) -> Component:
    tz = context.site.config.site.tz
    zones = {z.id: z.name for z in context.site.config.zones}
    ident, state = case.id, case.state
    actions: list[Component] = []
    if state == "open" and who.can(Permission.ACKNOWLEDGE):
        actions.append(
            html.Button(t("acknowledge", lang), id={"type": "case-ack", "case": ident}, className="button")
        )
    if state in ("open", "acknowledged") and who.can(Permission.ACKNOWLEDGE):
        actions += [
            _field("case-answer-text", ident, t("case.answer_text", lang)),
            html.Button(
                t("case.answer", lang), id={"type": "case-answer", "case": ident}, className="button primary"
            ),
        ]
    if state != "closed" and who.can(Permission.SIGN):
        actions += [
            _field("case-close-note", ident, t("comment", lang)),
            html.Button(t("case.close", lang), id={"type": "case-close", "case": ident}, className="button"),
        ]
    facts = [
        (t("case.opened", lang), when(case.opened, tz)),
        (t("case.deadline", lang), when(case.deadline, tz) + (f" · {t('case.late', lang)}" if case.late else "")),
        (t("case.text", lang), case.text or "—"),
        (t("case.phone", lang), case.phone or "—"),
        (t("case.answer", lang), f"{case.answer} ({case.answered_by}, {when(case.answered_at, tz)})" if case.answer else "—"),
    ]  # fmt: skip
    if case.reply:
        facts.append((t("case.reply", lang), case.reply))
    return html.Div(
        [
            html.Div(
                [
                    html.Strong(f"#{ident} {case.kind_text}"),
                    html.Span(zones.get(case.zone, case.zone)),
                    html.Span(t(f"case.{state}", lang), className=f"state {state}"),
                    html.Span(t("case.confirmed", lang), className="badge warning") if case.confirmed else None,
                ],
                className="alert-head",
            ),
            html.P(case.summary, className="case-summary"),
            _evidence(case, lang),
            html.Dl([part for k, v in facts for part in (html.Dt(k), html.Dd(v))], className="evidence"),
            html.Div(actions, className="actions"),
        ],
        className=f"card case {state}" + (" late" if case.late else ""),
        id={"type": "case-card", "case": ident},
    )  # fmt: skip


def register(app: Dash, context: ContextGetter) -> None:
    @app.callback(
        Output("case-list", "children"),
        Input("tick", "n_intervals"),
        Input("case-message", "children"),
        State("lang", "data"),
    )
    async def refresh(_tick: int | None, _message: Any, lang: Lang) -> list[Component]:
        ctx = context()
        who = await principal(ctx)
        if not who.can(Permission.READ) or ctx.feedback is None:
            return [html.P(t("need_sign_in", lang))]
        cases = await ctx.feedback.cases()
        shown = [c for c in cases if c.closed_at is None] + [c for c in cases if c.closed_at is not None][
            :SHOWN_CLOSED
        ]
        return [case_card(case_public(c), who, lang, ctx) for c in shown] or [
            html.P(t("no_cases", lang), className="quiet")
        ]

    @app.callback(
        Output("case-message", "children"),
        inputs={
            "_acks": Input({"type": "case-ack", "case": ALL}, "n_clicks"),
            "_answers": Input({"type": "case-answer", "case": ALL}, "n_clicks"),
            "_closes": Input({"type": "case-close", "case": ALL}, "n_clicks"),
        },
        state={
            "texts": State({"type": "case-answer-text", "case": ALL}, "value"),
            "text_ids": State({"type": "case-answer-text", "case": ALL}, "id"),
            "notes": State({"type": "case-close-note", "case": ALL}, "value"),
            "note_ids": State({"type": "case-close-note", "case": ALL}, "id"),
            "lang": State("lang", "data"),
        },
        prevent_initial_call=True,
    )
    async def act(
        *,
        _acks: list[int | None],
        _answers: list[int | None],
        _closes: list[int | None],
        texts: list[str | None],
        text_ids: list[dict[str, int]],
        notes: list[str | None],
        note_ids: list[dict[str, int]],
        lang: Lang,
    ) -> str:
        """Acknowledge, answer or close the case whose button was pressed, as the signed-in user."""
        trigger = pressed()
        if trigger is None:
            return ""
        ctx = context()
        who, service, ident = await principal(ctx), ctx.feedback, int(trigger["case"])
        if service is None:
            return t("no_feedback", lang)
        verb = trigger["type"]
        needs = Permission.SIGN if verb == "case-close" else Permission.ACKNOWLEDGE
        if not who.can(needs):
            return t("not_allowed", lang)
        try:
            if verb == "case-ack":
                await acknowledge(who, ident, service, ctx)
            elif verb == "case-answer":
                text = beside(texts, text_ids, "case", ident) or ""
                if not text.strip():
                    return f"{t('refused', lang)}: {t('case.answer_text', lang)}?"
                await answer(who, ident, AnswerIn(answer=text), service, ctx)
            else:
                note = beside(notes, note_ids, "case", ident) or ""
                await close(who, ident, CloseIn(note=note), service, ctx)
        except HTTPException as exc:
            return f"{t('refused', lang)}: {exc.detail}"
        return f"{t('done', lang)}: #{ident}"


PAGE = Page("/cases", "feedback_cases", Permission.READ, render, register)
