"""Who is looking at the dashboard: the session cookie of the callback's request, resolved by the API's
auth service — the same sessions, roles and lock-out as the REST API."""

from __future__ import annotations

from collections.abc import Callable

from dash import callback_context

from api.auth import Principal
from api.auth.sessions import COOKIE
from api.context import ServiceContext

ContextGetter = Callable[[], ServiceContext]


async def principal(context: ServiceContext) -> Principal:
    """The signed-in user of the current Dash request, or the anonymous public."""
    address = callback_context.remote or None
    ident = callback_context.cookies.get(COOKIE)
    if ident:
        found = await context.auth.from_session(ident, address)
        if found is not None:
            return found[0]
    return context.auth.anonymous(address)
