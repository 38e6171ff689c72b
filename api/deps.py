"""Route dependencies as named `Annotated` types: the service context, and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from api.auth.principal import Principal, Via
from api.auth.roles import Permission
from api.context import ServiceContext


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def require(permission: Permission) -> Callable[[Request], Principal]:
    """A dependency that returns the acting principal if they hold `permission` (401/403 otherwise).

    Placeholder while authentication is being built: everyone holds everything, as "anonymous".
    """

    def acting(request: Request) -> Principal:
        address = request.client.host if request.client else None
        return Principal("anonymous", None, Via.ANONYMOUS, address, frozenset(Permission))

    acting.__name__ = f"require_{permission.value}"
    return acting
