"""Route dependencies as named `Annotated` types: the service context and its parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.context import ServiceContext


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]
