"""Route dependencies as named `Annotated` types: the service context and its parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from api.context import ServiceContext


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def require_role(role: str) -> Callable[[], str]:
    """A dependency that returns the acting user's name if they hold `role`.

    A placeholder until the authentication issue lands: it allows everyone and records the user as
    "anonymous". Routes that change state (acknowledge, silence) already depend on it, so filling it
    in changes no route.
    """

    def current_user() -> str:
        return "anonymous"  # `role` is checked here once users and roles exist

    current_user.__name__ = f"require_{role}"
    return current_user
